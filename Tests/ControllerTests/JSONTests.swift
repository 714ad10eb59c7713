@testable import Controller
import ControllerCore
import Testing

@Suite struct JSONTests {
    func parse(_ s: String) throws -> JSONValue { try JSONValue.parse(Array(s.utf8)) }

    @Test func parsesWhatLinstorClientsSend() throws {
        let v = try parse(#"{"name":"a\u00e9\n","n":-12,"f":1.5,"b":true,"z":null,"l":[1,"x",{}]}"#)
        guard case .object(let o) = v else { Issue.record("not an object"); return }
        #expect(o["name"] == .string("aé\n"))
        #expect(o["n"] == .number(-12, integer: -12))
        #expect(o["f"] == .number(1.5, integer: nil))
        #expect(o["b"] == .bool(true))
        #expect(o["z"] == .null)
        #expect(o["l"] == .array([.number(1, integer: 1), .string("x"), .object([:])]))
    }

    @Test(arguments: ["", "{", "{\"a\"}", "[1,]", "nul", "\"abc", "{\"a\":1} x", "01x", "\"\u{01}\""])
    func rejectsMalformed(_ text: String) {
        #expect(throws: JSONValue.ParseError.self) { try parse(text) }
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONValue.ParseError.self) { try parse(deep) }
        let ok = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect((try? parse(ok)) != nil)
    }

    @Test func writerEscapesAndRoundtrips() throws {
        var w = JSONWriter()
        w.beginObject()
        w.field("s", "q\"b\\\n\u{01}é")
        w.field("i", Int64.min)
        w.field("u", UInt64.max)
        w.field("m", map: ["b": "2", "a": "1"])
        w.endObject()
        let text = String(decoding: w.bytes, as: UTF8.self)
        #expect(text == #"{"s":"q\"b\\\n\u0001é","i":-9223372036854775808,"u":18446744073709551615,"m":{"a":"1","b":"2"}}"#)
        guard case .object(let o) = try JSONValue.parse(w.bytes) else { Issue.record("not an object"); return }
        #expect(o["s"] == .string("q\"b\\\n\u{01}é"))
    }

    @Test func fieldErrorsNameTheField() throws {
        let body = try RequestBody.object(Array(#"{"select_filter":{"place_count":"three"},"props":{"a":[1]}}"#.utf8))
        do {
            _ = try body.object("select_filter")?.selectFilter()
            Issue.record("accepted a string place count")
        } catch {
            #expect(error.rcs[0].details?.contains("select_filter.place_count") == true)
        }
        #expect(throws: ApiError.self) { try body.stringMap("props") }
    }
}
