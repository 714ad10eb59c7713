import NIOCore
import NIOTestUtils
import Testing
@testable import NBDProtocol

/// The server-side decoder: every client message roundtrips through the encoders, fed byte by
/// byte, all at once and in random chunks (ByteToMessageDecoderVerifier), and bad input is
/// rejected without moving the reader index or buffering what a length claims.
@Suite struct NBDClientMessageDecoderTests {
    static let options: [NBDOption] = [
        .exportName("backups/0"),
        .exportName(""),
        .abort,
        .list,
        .structuredReply,
        .info(NBDInfoRequest(exportName: "backups", requestedInfo: [.name, .blockSize])),
        .go(NBDInfoRequest(exportName: "db/1", requestedInfo: [])),
        .unsupported(.startTLS, ByteBuffer()),
        .unsupported(NBDOptionCode(rawValue: 4242), ByteBuffer(bytes: [1, 2, 3])),
    ]

    func encodedFlags(_ flags: NBDClientFlags = [.fixedNewstyle, .noZeroes]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeNBDClientFlags(flags)
        return buffer
    }

    @Test func clientFlagsComeFirst() throws {
        var decoder = NBDClientMessageDecoder()
        var input = encodedFlags([.fixedNewstyle, .noZeroes])
        input.writeNBDOption(NBDOption.abort.request())
        #expect(try decoder.decode(buffer: &input) == .clientFlags([.fixedNewstyle, .noZeroes]))
        #expect(try decoder.decode(buffer: &input) == .option(NBDOption.abort.request()))
        #expect(input.readableBytes == 0)
    }

    // The verifier feeds the same input many times to one decoder, so it starts after the flags.
    @Test func everyOptionRoundtripsInAnyChunking() throws {
        var input = ByteBuffer()
        var expected: [NBDClientMessage] = []
        for option in Self.options {
            let request = option.request()
            input.writeNBDOption(request)
            expected.append(.option(request))
            #expect(try request.parse().get() == option)
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: [(input, expected)]) {
            NBDClientMessageDecoder(expectingClientFlags: false)
        }
    }

    @Test func requestsRoundtripWithWritePayloads() throws {
        var input = ByteBuffer()
        var expected: [NBDClientMessage] = []
        let payload = ByteBuffer(bytes: (0..<4096).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let requests: [(NBDRequest, ByteBuffer?)] = [
            (NBDRequest(type: .read, cookie: 1, offset: 0, length: 4096), nil),
            (NBDRequest(flags: .fua, type: .write, cookie: 2, offset: 8192, length: 4096), payload),
            (NBDRequest(type: .flush, cookie: .max, offset: 0, length: 0), nil),
            (NBDRequest(type: .trim, cookie: 4, offset: 1 << 40, length: .max), nil),
            (NBDRequest(flags: [.noHole, .fua], type: .writeZeroes, cookie: 5, offset: 3, length: 9), nil),
            (NBDRequest(type: .disconnect, cookie: 6, offset: 0, length: 0), nil),
            (NBDRequest(type: .write, cookie: 7, offset: 0, length: 0), ByteBuffer()),
        ]
        for (request, data) in requests {
            input.writeNBDRequest(request)
            if let data { input.writeImmutableBuffer(data) }
            expected.append(.request(request, payload: data))
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: [(input, expected)]) {
            NBDClientMessageDecoder(expectingClientFlags: false)
        }
    }

    @Test func truncatedFramesNeverMoveTheReaderIndex() throws {
        var frames = ByteBuffer()
        frames.writeNBDOption(NBDOption.go(NBDInfoRequest(exportName: "r", requestedInfo: [.blockSize])).request())
        var write = ByteBuffer()
        write.writeNBDRequest(NBDRequest(type: .write, cookie: 9, offset: 0, length: 100))
        write.writeRepeatingByte(0xAB, count: 100)
        for frame in [frames, write] {
            for cut in 0..<frame.readableBytes {
                var decoder = NBDClientMessageDecoder()
                var flags = encodedFlags()
                _ = try decoder.decode(buffer: &flags)
                var partial = frame.getSlice(at: 0, length: cut)!
                #expect(try decoder.decode(buffer: &partial) == nil)
                #expect(partial.readerIndex == 0, "a partial frame of \(cut) bytes moved the reader index")
            }
        }
    }

    @Test func oversizedOptionIsReportedAndItsDataSkipped() throws {
        var decoder = NBDClientMessageDecoder(limits: NBDLimits(optionDataMax: 8192))
        var buffer = encodedFlags()
        _ = try decoder.decode(buffer: &buffer)
        // Header claims 1 GiB: the decoder answers at once instead of waiting for (or buffering) it.
        buffer.writeInteger(NBDMagic.option)
        buffer.writeInteger(NBDOptionCode.exportName.rawValue)
        buffer.writeInteger(UInt32(10_000))
        #expect(try decoder.decode(buffer: &buffer) == .oversizedOption(.exportName, length: 10_000))
        #expect(decoder.isSkipping)
        buffer.writeRepeatingByte(0x41, count: 10_000)
        buffer.writeNBDOption(NBDOption.list.request())
        #expect(try decoder.decode(buffer: &buffer) == .option(NBDOption.list.request()))
        #expect(!decoder.isSkipping)
    }

    @Test func oversizedWriteIsReportedAndThePayloadSkippedInPieces() throws {
        var decoder = NBDClientMessageDecoder(limits: NBDLimits(payloadMax: 4096))
        var buffer = encodedFlags()
        _ = try decoder.decode(buffer: &buffer)
        let big = NBDRequest(type: .write, cookie: 1, offset: 0, length: 5000)
        buffer.writeNBDRequest(big)
        #expect(try decoder.decode(buffer: &buffer) == .oversizedWrite(big))
        for _ in 0..<5 {
            var piece = ByteBuffer(repeating: 0x55, count: 1000)
            #expect(try decoder.decode(buffer: &piece) == nil)
            #expect(piece.readableBytes == 0)
        }
        var next = ByteBuffer()
        next.writeNBDRequest(NBDRequest(type: .flush, cookie: 2, offset: 0, length: 0))
        #expect(try decoder.decode(buffer: &next) == .request(NBDRequest(type: .flush, cookie: 2, offset: 0, length: 0), payload: nil))
    }

    @Test func hugeReadIsFramedWithoutWaitingForData() throws {
        // A READ has no payload whatever its length; range checks belong to the state machine.
        var decoder = NBDClientMessageDecoder()
        var buffer = encodedFlags()
        _ = try decoder.decode(buffer: &buffer)
        let read = NBDRequest(type: .read, cookie: 3, offset: 0, length: .max)
        buffer.writeNBDRequest(read)
        #expect(try decoder.decode(buffer: &buffer) == .request(read, payload: nil))
    }

    @Test(arguments: [
        [UInt8](repeating: 0, count: 32),
        Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8),
        [0x25, 0x60, 0x95, 0x14, 0, 0, 0, 0],
        [0x49, 0x48, 0x41, 0x56, 0x45, 0x4F, 0x50, 0x55, 0, 0, 0, 1, 0, 0, 0, 0],
    ])
    func garbageIsRejectedWithoutConsumingIt(bytes: [UInt8]) throws {
        var decoder = NBDClientMessageDecoder()
        var flags = encodedFlags()
        _ = try decoder.decode(buffer: &flags)
        var buffer = ByteBuffer(bytes: bytes)
        #expect(throws: NBDProtocolError.self) { try decoder.decode(buffer: &buffer) }
        #expect(buffer.readerIndex == 0)
    }

    @Test func randomBytesNeverCrashTheDecoder() throws {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<2000 {
            var decoder = NBDClientMessageDecoder(limits: NBDLimits(payloadMax: 4096))
            var buffer = ByteBuffer(bytes: (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            // Mostly start with a valid magic so the decoder gets past the first check.
            if Bool.random(using: &generator) { buffer.setInteger(NBDMagic.request, at: 4) }
            while true {
                let before = buffer.readerIndex
                guard let message = try? decoder.decode(buffer: &buffer) else { break }
                _ = message
                #expect(buffer.readerIndex > before || decoder.isSkipping)
            }
        }
    }
}

/// Deterministic generator so a failing random test reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
