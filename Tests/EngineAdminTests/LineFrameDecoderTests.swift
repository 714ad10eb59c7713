import EngineAdminClient
import NIOCore
import NIOEmbedded
import Testing

@Suite("Admin protocol line framing")
struct LineFrameDecoderTests {
    @Test("lines split across reads come out whole, byte by byte")
    func byteByByte() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(lineBytesMax: 64)))
        for byte in Array("{\"a\":1}\n{\"b\":2}\n".utf8) { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "{\"a\":1}")
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "{\"b\":2}")
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(try channel.finish().isClean)
    }

    @Test("a line over the limit is an error, even before its newline arrives")
    func tooLong() {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(lineBytesMax: 8)))
        #expect(throws: LineFrameDecoder.LineTooLong.self) { try channel.writeInbound(ByteBuffer(string: "0123456789")) }
        _ = try? channel.finish()
    }

    @Test("a line exactly at the limit is accepted")
    func atLimit() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(LineFrameDecoder(lineBytesMax: 8)))
        try channel.writeInbound(ByteBuffer(string: "01234567\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "01234567")
        _ = try channel.finish()
    }
}
