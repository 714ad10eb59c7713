import NIOCore
import NIOTestUtils
import Testing
@testable import NBDProtocol

/// The client-side decoder used by Tandem's own NBD client: every server message roundtrips.
@Suite struct NBDServerMessageDecoderTests {
    @Test func greetingThenOptionRepliesThenTransmission() throws {
        var decoder = NBDServerMessageDecoder()
        var input = ByteBuffer()
        input.writeNBDGreeting([.fixedNewstyle, .noZeroes])
        input.writeNBDOptionReply(.ack(.go))
        input.writeNBDSimpleReply(NBDSimpleReply(error: .ok, cookie: 2))
        input.writeRepeatingByte(7, count: 100)
        decoder.expectRead(cookie: 2, length: 100)
        #expect(try decoder.decode(buffer: &input) == .greeting([.fixedNewstyle, .noZeroes]))
        #expect(try decoder.decode(buffer: &input) == .optionReply(.ack(.go)))
        #expect(decoder.isInTransmission)
        // Data of a simple read reply arrives byte by byte: nothing is decoded until it is all there.
        var partial = input.readSlice(length: input.readableBytes - 1)!
        #expect(try decoder.decode(buffer: &partial) == nil)
        #expect(partial.readerIndex == 0)
        partial.writeBuffer(&input)
        #expect(try decoder.decode(buffer: &partial) == .simpleReply(NBDSimpleReply(error: .ok, cookie: 2), data: ByteBuffer(repeating: 7, count: 100)))
    }

    // The verifier feeds the same input many times to one decoder, so each phase gets its own run.
    @Test func optionRepliesRoundtripInAnyChunking() throws {
        var input = ByteBuffer()
        var expected: [NBDServerMessage] = []
        let replies: [NBDOptionReply] = [
            .ack(.structuredReply),
            .server(.list, name: "backups/0", description: "file /srv/backups.img"),
            .server(.list, name: "empty/1", description: ""),
            .error(.startTLS, .errUnsupported, "NBD_OPT_STARTTLS is not supported"),
            .info(.go, .export(size: 1 << 30, flags: [.hasFlags, .sendFlush, .sendFUA])),
            .info(.go, .name("backups/0")),
            .info(.go, .description("a volume")),
            .info(.go, .blockSize(minimum: 1, preferred: 4096, maximum: 32 << 20)),
            .ack(.info),
        ]
        for reply in replies {
            input.writeNBDOptionReply(reply)
            expected.append(.optionReply(reply))
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: [(input, expected)]) {
            NBDServerMessageDecoder(phase: .options)
        }
    }

    @Test func transmissionRepliesRoundtripInAnyChunking() throws {
        var input = ByteBuffer()
        var expected: [NBDServerMessage] = []
        let readData = ByteBuffer(bytes: (0..<512).map { UInt8(truncatingIfNeeded: $0) })
        input.writeNBDSimpleReply(NBDSimpleReply(error: .ok, cookie: 1))
        expected.append(.simpleReply(NBDSimpleReply(error: .ok, cookie: 1), data: nil))
        input.writeNBDSimpleReply(NBDSimpleReply(error: .noSpace, cookie: 3))
        expected.append(.simpleReply(NBDSimpleReply(error: .noSpace, cookie: 3), data: nil))
        let chunks: [NBDStructuredReplyChunk] = [
            NBDStructuredReplyChunk(flags: [], cookie: 4, payload: .offsetData(offset: 4096, data: readData)),
            NBDStructuredReplyChunk(flags: [], cookie: 4, payload: .offsetHole(offset: 8192, length: 4096)),
            NBDStructuredReplyChunk(flags: .done, cookie: 4, payload: .none),
            NBDStructuredReplyChunk(flags: .done, cookie: 5, payload: .error(.invalid, message: "out of range")),
            NBDStructuredReplyChunk(flags: .done, cookie: 6, payload: .errorOffset(.ioError, message: "", offset: 77)),
        ]
        for chunk in chunks {
            input.writeNBDStructuredReplyChunk(chunk)
            expected.append(.structuredReply(chunk))
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: [(input, expected)]) {
            NBDServerMessageDecoder(phase: .transmission)
        }
    }

    @Test func exportNameReplyWithAndWithoutZeroes() throws {
        for zeroes in [true, false] {
            var input = ByteBuffer()
            var decoder = NBDServerMessageDecoder(phase: .options)
            decoder.expectExportNameReply(zeroes: zeroes)
            input.writeNBDExportNameReply(size: 12345, flags: [.hasFlags, .readOnly], zeroes: zeroes)
            input.writeNBDSimpleReply(NBDSimpleReply(error: .ok, cookie: 9))
            var partial = input.getSlice(at: 0, length: 9 + (zeroes ? 124 : 0))!
            #expect(try decoder.decode(buffer: &partial) == nil)
            #expect(try decoder.decode(buffer: &input) == .exportNameReply(size: 12345, flags: [.hasFlags, .readOnly]))
            #expect(try decoder.decode(buffer: &input) == .simpleReply(NBDSimpleReply(error: .ok, cookie: 9), data: nil))
            #expect(input.readableBytes == 0)
        }
    }

    @Test func oldstyleServerIsRejected() {
        var decoder = NBDServerMessageDecoder()
        var input = ByteBuffer()
        input.writeInteger(NBDMagic.initPassword)
        input.writeInteger(UInt64(0x0042_0281_8612_53))
        input.writeInteger(UInt16(0))
        #expect(throws: NBDProtocolError.self) { try decoder.decode(buffer: &input) }
        #expect(input.readerIndex == 0)
    }

    @Test func oversizedRepliesAreRejectedBeforeBuffering() throws {
        var decoder = NBDServerMessageDecoder(limits: NBDLimits(payloadMax: 4096))
        var input = ByteBuffer()
        input.writeNBDGreeting([.fixedNewstyle])
        _ = try decoder.decode(buffer: &input)
        input.writeInteger(NBDMagic.optionReply)
        input.writeInteger(NBDOptionCode.list.rawValue)
        input.writeInteger(NBDOptionReplyType.server.rawValue)
        input.writeInteger(UInt32.max)
        #expect(throws: NBDProtocolError.self) { try decoder.decode(buffer: &input) }

        var transmission = NBDServerMessageDecoder(limits: NBDLimits(payloadMax: 4096))
        var go = ByteBuffer()
        go.writeNBDGreeting([.fixedNewstyle])
        go.writeNBDOptionReply(.ack(.go))
        _ = try transmission.decode(buffer: &go)
        _ = try transmission.decode(buffer: &go)
        #expect(transmission.isInTransmission)
        go.writeNBDStructuredReplyHeader(flags: .done, type: .offsetData, cookie: 1, payloadLength: 4096 + 9)
        #expect(throws: NBDProtocolError.self) { try transmission.decode(buffer: &go) }
    }

    @Test func malformedStructuredPayloadsAreRejected() throws {
        let bad: [(NBDStructuredReplyType, [UInt8])] = [
            (.none, [1]),
            (.offsetData, [0, 0, 0, 0, 0, 0, 0, 1]),
            (.offsetHole, [0, 0, 0]),
            (.error, [0, 0, 0, 5, 0, 9, 0x41]),
            (.errorOffset, [0, 0, 0, 5, 0, 0]),
        ]
        for (type, bytes) in bad {
            var decoder = NBDServerMessageDecoder()
            var input = ByteBuffer()
            input.writeNBDGreeting([.fixedNewstyle])
            input.writeNBDOptionReply(.ack(.go))
            _ = try decoder.decode(buffer: &input)
            _ = try decoder.decode(buffer: &input)
            input.writeNBDStructuredReplyHeader(flags: .done, type: type, cookie: 1, payloadLength: UInt32(bytes.count))
            input.writeBytes(bytes)
            let start = input.readerIndex
            #expect(throws: NBDProtocolError.self) { try decoder.decode(buffer: &input) }
            #expect(input.readerIndex == start)
        }
    }
}
