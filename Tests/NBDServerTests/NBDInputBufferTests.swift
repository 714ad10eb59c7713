import NIOCore
import Testing
@testable import NBDProtocol
@testable import NBDServer

/// How a connection holds the bytes it received: every message comes out as decoding the whole
/// stream at once gives it, however the reads cut it, and payload bytes are copied at most once
/// (a message whole in a read is a slice of that read; a cut one gets one buffer of its size).
@Suite struct NBDInputBufferTests {
    static let payloadMax = 1 << 20
    let allocator = ByteBufferAllocator()

    /// A stream of requests (WRITEs of several sizes among the others) and the messages it holds.
    func stream() -> (ByteBuffer, [NBDClientMessage]) {
        var input = ByteBuffer()
        var expected: [NBDClientMessage] = []
        var cookie: UInt64 = 0
        for length in [4096, 0, 1 << 20, 17, 65536 + 3, 4096] {
            cookie += 1
            let request = NBDRequest(type: .write, cookie: cookie, offset: UInt64(length), length: UInt32(length))
            let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(cookie)) })
            input.writeNBDRequest(request)
            input.writeImmutableBuffer(payload)
            expected.append(.request(request, payload: payload))
            cookie += 1
            let read = NBDRequest(type: .read, cookie: cookie, offset: 0, length: 4096)
            input.writeNBDRequest(read)
            expected.append(.request(read, payload: nil))
        }
        return (input, expected)
    }

    /// Feeds `stream` in reads of the given sizes (cycled), decoding after each read.
    func decode(_ stream: ByteBuffer, readSizes: [Int]) throws -> (messages: [NBDClientMessage], payloadCopies: [Bool]) {
        var decoder = NBDClientMessageDecoder(limits: NBDLimits(payloadMax: UInt32(Self.payloadMax)), expectingClientFlags: false)
        var buffer = NBDInputBuffer()
        var rest = stream
        var messages: [NBDClientMessage] = []
        var copied: [Bool] = []
        var turn = 0
        while rest.readableBytes > 0 {
            // Each read is its own storage, as NIO's receive buffers are.
            var read = allocator.buffer(capacity: 0)
            read.writeImmutableBuffer(rest.readSlice(length: min(readSizes[turn % readSizes.count], rest.readableBytes))!)
            turn += 1
            let readStart = read.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
            let readEnd = readStart + UInt(read.readableBytes)
            buffer.append(read)
            while buffer.prepareMessage(for: decoder, allocator: allocator) {
                guard let message = try buffer.decodeFront({ try decoder.decode(buffer: &$0) }) else { break }
                if case let .request(_, payload?) = message, payload.readableBytes > 0 {
                    let at = payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
                    copied.append(!(at >= readStart && at < readEnd))
                    // A copied payload sits in one buffer sized for its message (the allocator
                    // rounds up to a power of two), never regrown on the way.
                    let message = NBDWireSize.requestHeader + payload.readableBytes
                    if copied.last! { #expect(payload.storageCapacity < 2 * message) }
                }
                messages.append(message)
            }
        }
        #expect(buffer.readableBytes == 0)
        return (messages, copied)
    }

    @Test(arguments: [[1], [7], [28], [4096 + 28], [65536], [3, 65536, 100], [1 << 21]])
    func messagesComeOutWholeInAnyChunking(readSizes: [Int]) throws {
        let (input, expected) = stream()
        #expect(try decode(input, readSizes: readSizes).messages == expected)
    }

    @Test func aMessageWholeInOneReadIsNotCopied() throws {
        let (input, expected) = stream()
        let (messages, copied) = try decode(input, readSizes: [input.readableBytes])
        #expect(messages == expected)
        #expect(copied.count == 5 && copied.allSatisfy { !$0 })
    }

    @Test func aCutMessageIsCopiedOnceAndTheRestOfTheReadIsNot() throws {
        // A 4 KiB write cut after 1000 bytes, then a read holding its end and two more whole writes.
        var input = ByteBuffer()
        for cookie in 1...3 as ClosedRange<UInt64> {
            input.writeNBDRequest(NBDRequest(type: .write, cookie: cookie, offset: 0, length: 4096))
            input.writeRepeatingByte(UInt8(cookie), count: 4096)
        }
        let (messages, copied) = try decode(input, readSizes: [1000, input.readableBytes])
        #expect(messages.count == 3)
        #expect(copied == [true, false, false])
    }

    @Test func anOversizedWriteIsSkippedAndWhatFollowsDecoded() throws {
        var decoder = NBDClientMessageDecoder(limits: NBDLimits(payloadMax: 4096), expectingClientFlags: false)
        var input = ByteBuffer()
        let big = NBDRequest(type: .write, cookie: 1, offset: 0, length: 10_000)
        input.writeNBDRequest(big)
        input.writeRepeatingByte(0x55, count: 10_000)
        let flush = NBDRequest(type: .flush, cookie: 2, offset: 0, length: 0)
        input.writeNBDRequest(flush)
        var buffer = NBDInputBuffer()
        var messages: [NBDClientMessage] = []
        while input.readableBytes > 0 {
            buffer.append(input.readSlice(length: min(3000, input.readableBytes))!)
            while buffer.prepareMessage(for: decoder, allocator: allocator) {
                let before = buffer.readableBytes
                guard let message = buffer.decodeFront({ try? decoder.decode(buffer: &$0) }) else {
                    if buffer.readableBytes < before { continue }
                    break
                }
                messages.append(message)
            }
        }
        #expect(messages == [.oversizedWrite(big), .request(flush, payload: nil)])
    }

    @Test func bytesNeededCoversTheWholeRequestOnceItsHeaderIsIn() {
        let decoder = NBDClientMessageDecoder(limits: NBDLimits(payloadMax: 8192), expectingClientFlags: false)
        var write = ByteBuffer()
        write.writeNBDRequest(NBDRequest(type: .write, cookie: 1, offset: 0, length: 5000))
        #expect(decoder.bytesNeeded(in: write.getSlice(at: 0, length: 3)!) == 4)
        #expect(decoder.bytesNeeded(in: write.getSlice(at: 0, length: 20)!) == NBDWireSize.requestHeader)
        #expect(decoder.bytesNeeded(in: write) == NBDWireSize.requestHeader + 5000)
        var big = ByteBuffer()
        big.writeNBDRequest(NBDRequest(type: .write, cookie: 1, offset: 0, length: 9000))
        #expect(decoder.bytesNeeded(in: big) == NBDWireSize.requestHeader, "an oversized payload is skipped, never buffered")
        var read = ByteBuffer()
        read.writeNBDRequest(NBDRequest(type: .read, cookie: 1, offset: 0, length: .max))
        #expect(decoder.bytesNeeded(in: read) == NBDWireSize.requestHeader)
        var option = ByteBuffer()
        option.writeNBDOption(NBDOption.exportName("r/0").request())
        #expect(decoder.bytesNeeded(in: option) == option.readableBytes)
    }
}
