import Testing
@testable import TandemModel

@Suite("sizes as people type them")
struct ByteCountTests {
    static let unitCases: [(String, UInt64)] = [
        ("40G", 40 << 30), ("40GiB", 40 << 30), ("40 GiB", 40 << 30),
        ("512M", 512 << 20), ("512MiB", 512 << 20), ("4k", 4096),
        ("1T", 1 << 40), ("1.5G", 3 << 29), ("100KB", 100_000), ("7B", 7),
    ]

    @Test("binary units with and without the i", arguments: unitCases)
    func parsesUnits(text: String, bytes: UInt64) throws {
        #expect(try ByteCount.parse(text).rawValue == bytes)
    }

    @Test("a bare number takes the caller's default unit")
    func bareNumber() throws {
        #expect(try ByteCount.parse("2").rawValue == 2 * ByteCount.gibi)
        #expect(try ByteCount.parse("2", defaultUnit: ByteCount.kibi).rawValue == 2048)
    }

    @Test("nonsense is rejected with a reason", arguments: ["", "G", "12X", "1.2.3", "-5G", "99999999999999999999T", "1e9"])
    func rejects(text: String) {
        #expect(throws: SizeParseError.self) { try ByteCount.parse(text) }
    }

    @Test("human output as the linstor CLI prints it")
    func describes() {
        #expect(ByteCount.gib(40).description == "40 GiB")
        #expect(ByteCount(512).description == "512 B")
        #expect(ByteCount(113_822_105).description == "108.55 MiB")
        #expect(ByteCount.kib(1536).description == "1.50 MiB")
    }
}
