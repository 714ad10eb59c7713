import Glibc
import IdlePolling
import ListenerTestSupport
import NIOCore
import Testing
@testable import NBDProtocol
@testable import NBDServer

/// The rest of a large cut WRITE read straight from the socket (`NBDInputBuffer.readRestDirectly`).
/// The first read is handed over by hand, as NIO's would be, and the "socket" is one end of a unix
/// socket pair the test writes the rest of the stream into.
@Suite struct NBDInputBufferDirectReadTests {
    let allocator = ByteBufferAllocator()
    let decoder = NBDClientMessageDecoder(limits: NBDLimits(payloadMax: 1 << 20), expectingClientFlags: false)

    func send(_ fd: CInt, _ bytes: ByteBuffer) throws {
        try bytes.withUnsafeReadableBytes { try TestSocketPair.send($0, to: fd) }
    }

    /// A WRITE of `length` bytes followed by a FLUSH; the stream, the two messages, and where
    /// the WRITE ends.
    func stream(writeLength length: Int) -> (all: ByteBuffer, messages: [NBDClientMessage], writeEnd: Int) {
        var all = ByteBuffer()
        let write = NBDRequest(type: .write, cookie: 1, offset: 0, length: UInt32(length))
        let payload = ByteBuffer(bytes: (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
        all.writeNBDRequest(write)
        all.writeImmutableBuffer(payload)
        let writeEnd = all.readableBytes
        let flush = NBDRequest(type: .flush, cookie: 2, offset: 0, length: 0)
        all.writeNBDRequest(flush)
        return (all, [.request(write, payload: payload), .request(flush, payload: nil)], writeEnd)
    }

    /// Decodes what `buffer` holds whole.
    func decodeAll(_ buffer: inout NBDInputBuffer) throws -> [NBDClientMessage] {
        var messages: [NBDClientMessage] = []
        var decoder = self.decoder
        while buffer.prepareMessage(for: decoder, allocator: allocator),
              let message = try buffer.decodeFront({ try decoder.decode(buffer: &$0) }) {
            messages.append(message)
        }
        return messages
    }

    @Test func theRestOfACutLargeWriteComesFromTheSocketAndNothingAfterIt() throws {
        let pair = try TestSocketPair()
        let (readEnd, writeEnd) = (pair.reading, pair.writing)
        defer { close(readEnd); close(writeEnd) }
        let (all, messages, end) = stream(writeLength: 1 << 20)
        let cut = 65536
        try send(writeEnd, all.getSlice(at: cut, length: all.readableBytes - cut)!)
        var buffer = NBDInputBuffer()
        buffer.append(all.getSlice(at: 0, length: cut)!)
        #expect(try decodeAll(&buffer).isEmpty)
        #expect(buffer.readRestDirectly(for: decoder, from: ChannelSocketReader(descriptor: readEnd), allocator: allocator) == .complete)
        #expect(try decodeAll(&buffer) == [messages[0]])
        #expect(TestSocketPair.drain(readEnd) == all.readableBytes - end, "the FLUSH after the WRITE is left for NIO's next read")
    }

    @Test func aRestThatArrivesInPartsIsToppedUpAndReadDirectlyAgain() throws {
        let pair = try TestSocketPair()
        let (readEnd, writeEnd) = (pair.reading, pair.writing)
        defer { close(readEnd); close(writeEnd) }
        let (all, messages, end) = stream(writeLength: 1 << 20)
        let reader = ChannelSocketReader(descriptor: readEnd)
        let cut = 1000, middle = 500_000
        try send(writeEnd, all.getSlice(at: cut, length: middle - cut)!)
        var buffer = NBDInputBuffer()
        buffer.append(all.getSlice(at: 0, length: cut)!)
        #expect(try decodeAll(&buffer).isEmpty)
        #expect(buffer.readRestDirectly(for: decoder, from: reader, allocator: allocator) == .incomplete)
        #expect(TestSocketPair.drain(readEnd) == 0, "what the socket had went into the request's buffer")
        // NIO's next read brings 20 000 bytes, and the rest (with the FLUSH) is in the socket by then.
        try send(writeEnd, all.getSlice(at: middle + 20_000, length: all.readableBytes - middle - 20_000)!)
        buffer.append(all.getSlice(at: middle, length: 20_000)!)
        #expect(try decodeAll(&buffer).isEmpty)
        #expect(buffer.readRestDirectly(for: decoder, from: reader, allocator: allocator) == .complete)
        #expect(try decodeAll(&buffer) == [messages[0]])
        #expect(TestSocketPair.drain(readEnd) == all.readableBytes - end)
    }

    @Test func aStreamThatEndsInsideTheRestSaysSoAndKeepsWhatCame() throws {
        let pair = try TestSocketPair()
        let (readEnd, writeEnd) = (pair.reading, pair.writing)
        defer { close(readEnd) }
        let (all, _, _) = stream(writeLength: 1 << 20)
        try send(writeEnd, all.getSlice(at: 65536, length: 100_000)!)
        close(writeEnd)
        var buffer = NBDInputBuffer()
        buffer.append(all.getSlice(at: 0, length: 65536)!)
        #expect(try decodeAll(&buffer).isEmpty)
        #expect(buffer.readRestDirectly(for: decoder, from: ChannelSocketReader(descriptor: readEnd), allocator: allocator) == .ended)
        #expect(buffer.readableBytes == 165_536, "an incomplete request stays incomplete, never decoded")
        #expect(try decodeAll(&buffer).isEmpty)
    }

    /// Payloads of which less than `directReadBytesMin` is missing (here: all of it).
    @Test(arguments: [4096, NBDInputBuffer.directReadBytesMin - 1])
    func aSmallRestIsLeftForNIOsNextRead(writeLength: Int) throws {
        let pair = try TestSocketPair()
        let (readEnd, writeEnd) = (pair.reading, pair.writing)
        defer { close(readEnd); close(writeEnd) }
        let (all, _, _) = stream(writeLength: writeLength)
        let cut = NBDWireSize.requestHeader  // only the header: the whole payload is missing
        try send(writeEnd, all.getSlice(at: cut, length: all.readableBytes - cut)!)
        var buffer = NBDInputBuffer()
        buffer.append(all.getSlice(at: 0, length: cut)!)
        #expect(try decodeAll(&buffer).isEmpty)
        #expect(buffer.readRestDirectly(for: decoder, from: ChannelSocketReader(descriptor: readEnd), allocator: allocator) == .incomplete)
        #expect(TestSocketPair.drain(readEnd) == all.readableBytes - cut, "nothing was read from the socket")
    }

    @Test func bytesOfNIOsReadsStillHeldAreUsedFirst() throws {
        let pair = try TestSocketPair()
        let (readEnd, writeEnd) = (pair.reading, pair.writing)
        defer { close(readEnd); close(writeEnd) }
        let (all, messages, _) = stream(writeLength: 1 << 20)
        try send(writeEnd, ByteBuffer(repeating: 0xEE, count: 100))  // must not be read: it is not next
        var buffer = NBDInputBuffer()
        buffer.append(all.getSlice(at: 0, length: 1000)!)
        buffer.append(all.getSlice(at: 1000, length: 1000)!)  // held back: not yet moved to the request
        #expect(buffer.readRestDirectly(for: decoder, from: ChannelSocketReader(descriptor: readEnd), allocator: allocator) == .incomplete)
        #expect(TestSocketPair.drain(readEnd) == 100)
        buffer.append(all.getSlice(at: 2000, length: all.readableBytes - 2000)!)
        #expect(try decodeAll(&buffer) == messages)
    }
}
