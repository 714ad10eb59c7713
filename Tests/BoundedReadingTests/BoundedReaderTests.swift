import BoundedReading
import NIOCore
import Testing

/// The reader on its own: every field at its bounds, every shortfall an error in the source's
/// words, and nothing read past the end.
@Suite struct BoundedReaderTests {
    struct Failure: Error, Equatable { let text: String }
    struct Named: ReadFailureDescribing {
        let name: String
        func failure(_ reason: String) -> Failure { Failure(text: "\(name): \(reason)") }
    }

    static func reader(_ bytes: [UInt8]) -> BoundedReader<Named> {
        BoundedReader(buffer: ByteBuffer(bytes: bytes), source: Named(name: "test.bin"))
    }

    @Test func fieldsAreBigEndianAndConsumeExactly() throws {
        var r = Self.reader([0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0x01, 0xAA])
        #expect(try r.u8() == 1)
        #expect(try r.u16() == 0x0203)
        #expect(try r.u32() == 4)
        #expect(try r.u64() == 0x0100)
        #expect(try r.bool() == true)
        #expect(r.remaining == 1)
        #expect(throws: Failure(text: "test.bin: 1 unexpected trailing bytes")) { try r.finish() }
        try r.skip(1)
        try r.finish()
    }

    @Test func everyShortReadIsTheSourcesErrorAndMovesNothing() {
        for width in [2, 4, 8] {
            var r = Self.reader([UInt8](repeating: 0xFF, count: width - 1))
            #expect(throws: Failure(text: "test.bin: truncated")) {
                switch width {
                case 2: _ = try r.u16()
                case 4: _ = try r.u32()
                default: _ = try r.u64()
                }
            }
            #expect(r.remaining == width - 1)
        }
        var r = Self.reader([1, 2, 3])
        #expect(throws: Failure(text: "test.bin: needs 4 bytes, 3 left")) { try r.bytes(4) }
        #expect(throws: Failure(text: "test.bin: needs 4 bytes, 3 left")) { try r.slice(4) }
        #expect(throws: Failure(text: "test.bin: needs -1 bytes, 3 left")) { try r.skip(-1) }
        #expect(throws: Failure(text: "test.bin: 1 words do not fit in 3 bytes")) { try r.u64s(1) }
        #expect(r.remaining == 3)
    }

    @Test func countsAreCheckedAgainstTheirLimitAndTheBytesLeftBeforeAnyAllocation() throws {
        // A count of 2^32-1 elements with four bytes behind it: refused on its limit.
        var huge = Self.reader([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        #expect(throws: Failure(text: "test.bin: 4294967295 elements, at most 16")) { try huge.count(elementBytes: 1, max: 16) }
        // Within the limit but larger than what follows.
        var short = Self.reader([0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(throws: Failure(text: "test.bin: 3 elements do not fit in 8 bytes")) { try short.count(elementBytes: 4, max: 16) }
        var exact = Self.reader([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 7])
        let n = try exact.count(elementBytes: 8, max: 2)
        #expect(try exact.u64s(n) == [9, 7])
        try exact.finish()
    }

    @Test func enumsAndTextAreValidated() throws {
        var b = Self.reader([2])
        #expect(throws: Failure(text: "test.bin: boolean byte 2")) { try b.bool() }
        var long = Self.reader([0, 5] + Array("hello".utf8))
        #expect(throws: Failure(text: "test.bin: text of 5 bytes, at most 4")) { try long.string(max: 4) }
        var bad = Self.reader([0, 2, 0xC3, 0x28])
        #expect(throws: Failure(text: "test.bin: text is not UTF-8")) { try bad.string(max: 4) }
        var good = Self.reader([0, 5] + Array("hello".utf8))
        #expect(try good.string(max: 5) == "hello")
    }

    @Test func aSliceSharesTheBytesWithoutCopying() throws {
        var r = Self.reader([1, 2, 3, 4])
        let s = try r.slice(3)
        #expect(Array(s.readableBytesView) == [1, 2, 3])
        #expect(try r.u8() == 4)
    }
}
