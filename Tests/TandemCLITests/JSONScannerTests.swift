import Foundation
import Testing
@testable import TandemCLICore

@Suite("resource lists read with JSONScanner")
struct JSONScannerTests {
    @Test("the scanner reads the same resources as JSONDecoder")
    func sameAsDecodable() throws {
        let decoded = try Fixtures.decode([RestResource].self, Fixtures.resources)
        let scanned = try RestResourceList.parse(Array(Fixtures.resources.utf8))
        #expect(scanned == decoded)
        #expect(scanned.count == 4)
        #expect(scanned[1].volumes?.first?.state?.replicationStates?["node-0"]?.donePercentage == 45.2)
    }

    @Test("the controller's own view, fields in any order and escaped strings")
    func escapesAndOrder() throws {
        let json = #"[{"volumes":null,"node_name":"n\u00e9-1","name":"r\"1\\","create_timestamp":-12,"unknown":{"deep":[1,2.5e3,true,null,"x"]},"state":{}}]"#
        let scanned = try RestResourceList.parse(Array(json.utf8))
        #expect(scanned == (try Fixtures.decode([RestResource].self, json)))
        #expect(scanned.first?.nodeName == "né-1")
        #expect(scanned.first?.name == "r\"1\\")
    }

    @Test("malformed replies and wrong types are errors with a position", arguments: [
        "", "[", "[{]", #"[{"name":"a"}]"#, #"[{"name":1,"node_name":"b"}]"#, #"[{"name":"a","node_name":"b","create_timestamp":1.5}]"#,
        #"[{"name":"a","node_name":"b"}] x"#, #"[{"name":"a\q","node_name":"b"}]"#, #"{"name":"a","node_name":"b"}"#,
    ])
    func rejects(json: String) {
        #expect(throws: JSONScanner.Failure.self) { try RestResourceList.parse(Array(json.utf8)) }
    }

    @Test("nesting is bounded")
    func depth() {
        let deep = #"[{"name":"a","node_name":"b","x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}]"
        #expect(throws: JSONScanner.Failure.self) { try RestResourceList.parse(Array(deep.utf8)) }
    }
}
