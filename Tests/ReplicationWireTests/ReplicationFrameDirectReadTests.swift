import Glibc
import IdlePolling
import ListenerTestSupport
import NIOCore
import NIOEmbedded
import ReplicationCore
@testable import ReplicationWire
import Testing

/// The rest of a large cut frame read straight from the socket (`socketReader`). The channel is
/// an `EmbeddedChannel` fed by hand, as NIO's reads would feed it, and the "socket" is one end
/// of a unix socket pair the test writes the rest of the stream into.
@Suite("Replication frame reassembler, direct socket reads")
struct ReplicationFrameDirectReadTests {
    let frames = ReplicationFrameReassemblerTests()

    /// A non-blocking socket pair: (the end the code under test reads, the end the test writes).
    func socketPair() throws -> (read: CInt, write: CInt) {
        let pair = try TestSocketPair()
        return (pair.reading, pair.writing)
    }

    func send(_ fd: CInt, _ bytes: ByteBuffer) throws {
        try bytes.withUnsafeReadableBytes { try TestSocketPair.send($0, to: fd) }
    }

    /// What is left in the socket (without blocking).
    func drain(_ fd: CInt) -> Int { TestSocketPair.drain(fd) }

    func channel(reading fd: CInt) throws -> (EmbeddedChannel, ReplicationFrameReassembler) {
        let channel = EmbeddedChannel()
        let reassembler = ReplicationFrameReassembler(ReplicationFrameDecoder(peer: "node beta"))
        reassembler.socketReader = ChannelSocketReader(descriptor: fd)
        try channel.pipeline.syncOperations.addHandler(reassembler)
        return (channel, reassembler)
    }

    /// The stream: hello, a 1 MiB write, a ping. `cut`: the end of the first read, inside the write.
    func stream() -> (all: ByteBuffer, writeEnd: Int) {
        let all = frames.stream([ReplicationFrameReassemblerTests.bigWrite, .ping(3)])
        var ping = ByteBuffer()
        ping.writeReplicationFrame(.ping(3))
        return (all, all.readableBytes - ping.readableBytes)
    }

    @Test("the rest of a cut 1 MiB frame comes from the socket, and nothing after it is read")
    func restFromSocket() throws {
        let (readEnd, writeEnd) = try socketPair()
        defer { close(readEnd); close(writeEnd) }
        let (all, frameEnd) = stream()
        let cut = 70_000
        try send(writeEnd, all.getSlice(at: cut, length: all.readableBytes - cut)!)
        let (channel, _) = try channel(reading: readEnd)
        try channel.writeInbound(all.getSlice(at: 0, length: cut)!)
        #expect(try channel.readInbound(as: ReplicationInbound.self) == .hello(ReplicationWireTests.hello))
        #expect(try channel.readInbound(as: ReplicationInbound.self) == .message(ReplicationFrameReassemblerTests.bigWrite),
                "the write is complete after one read: its rest was read from the socket")
        #expect(try channel.readInbound(as: ReplicationInbound.self) == nil)
        // The ping's bytes are still in the socket, for NIO's next read.
        #expect(drain(readEnd) == all.readableBytes - frameEnd)
        try channel.writeInbound(all.getSlice(at: frameEnd, length: all.readableBytes - frameEnd)!)
        #expect(try channel.readInbound(as: ReplicationInbound.self) == .message(.ping(3)))
        #expect(try channel.finish().isClean)
    }

    @Test("a rest that arrives in parts: what NIO read is topped up, the rest read directly")
    func restInParts() throws {
        let (readEnd, writeEnd) = try socketPair()
        defer { close(readEnd); close(writeEnd) }
        let (all, frameEnd) = stream()
        let cut = 70_000, middle = 600_000
        let (channel, _) = try channel(reading: readEnd)
        try send(writeEnd, all.getSlice(at: cut, length: middle - cut)!)
        try channel.writeInbound(all.getSlice(at: 0, length: cut)!)
        _ = try channel.readInbound(as: ReplicationInbound.self)  // hello
        #expect(try channel.readInbound(as: ReplicationInbound.self) == nil, "half of the write is not a write")
        #expect(drain(readEnd) == 0, "what the socket had went into the frame's buffer")
        // NIO's next read brings 20 000 bytes; the rest is in the socket by then.
        try send(writeEnd, all.getSlice(at: middle + 20_000, length: frameEnd - middle - 20_000)!)
        try channel.writeInbound(all.getSlice(at: middle, length: 20_000)!)
        #expect(try channel.readInbound(as: ReplicationInbound.self) == .message(ReplicationFrameReassemblerTests.bigWrite))
        #expect(try channel.finish().isClean)
    }

    @Test("a stream that ends inside the rest is reported when the channel closes, naming the peer")
    func endsInsideRest() throws {
        let (readEnd, writeEnd) = try socketPair()
        defer { close(readEnd) }
        let (all, _) = stream()
        let (channel, reassembler) = try channel(reading: readEnd)
        try send(writeEnd, all.getSlice(at: 70_000, length: 100_000)!)
        close(writeEnd)
        try channel.writeInbound(all.getSlice(at: 0, length: 70_000)!)
        _ = try channel.readInbound(as: ReplicationInbound.self)  // hello
        #expect(try channel.readInbound(as: ReplicationInbound.self) == nil)
        #expect(reassembler.socketReader == nil, "no direct read after the end of the stream")
        do {
            try channel.close().wait()
            try channel.throwIfErrorCaught()
            Issue.record("no error for a stream that ended inside a frame")
        } catch let e as ReplicationWireError {
            #expect(e.description.contains("node beta") && e.reason.contains("closed the connection in the middle of a frame"), "\(e)")
        }
    }

    @Test("small cut frames are not read directly: NIO's next read brings them")
    func smallFramesWait() throws {
        let (readEnd, writeEnd) = try socketPair()
        defer { close(readEnd); close(writeEnd) }
        let small = PeerMessage.write(ReplicatedWrite(sequence: 1, kind: .data, offsetBytes: 0, lengthBytes: 4096,
                                                      data: ByteBuffer(repeating: 0xA5, count: 4096), fua: false, wantsAck: true, notReplicatedTo: 0))
        let all = frames.stream([small])
        let cut = all.readableBytes - 2000
        try send(writeEnd, all.getSlice(at: cut, length: 2000)!)
        let (channel, _) = try channel(reading: readEnd)
        try channel.writeInbound(all.getSlice(at: 0, length: cut)!)
        _ = try channel.readInbound(as: ReplicationInbound.self)  // hello
        #expect(try channel.readInbound(as: ReplicationInbound.self) == nil)
        #expect(drain(readEnd) == 2000)
        _ = try? channel.finish()
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
