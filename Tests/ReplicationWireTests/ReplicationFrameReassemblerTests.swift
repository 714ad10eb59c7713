import NIOCore
import NIOEmbedded
import ReplicationCore
@testable import ReplicationWire
import Testing

@Suite("Replication frame reassembler")
struct ReplicationFrameReassemblerTests {
    static let bigWrite = PeerMessage.write(ReplicatedWrite(
        sequence: 7, kind: .data, offsetBytes: 1 << 20, lengthBytes: 1 << 20,
        data: ByteBuffer(bytes: (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }),
        fua: false, wantsAck: true, notReplicatedTo: 0))

    func stream(_ messages: [PeerMessage]) -> ByteBuffer {
        var buffer = ByteBuffer()
        ReplicationWireTests.hello.encode(into: &buffer)
        for m in messages { buffer.writeReplicationFrame(m) }
        return buffer
    }

    func channel(peer: String = "test peer") throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ReplicationFrameReassembler(ReplicationFrameDecoder(peer: peer)))
        return channel
    }

    /// `EmbeddedChannel.writeInbound` without its result: fires the bytes through the pipeline,
    /// completes the read and rethrows an error a handler fired.
    ///
    /// Why not `writeInbound`: it returns a copy of the whole inbound buffer (`Array(inboundBuffer)`),
    /// which these tests discard, and Swift 6.3.1 -O miscompiled that dead copy once inlined into
    /// `sinkTakesMessages` (where the hello waits in the inbound buffer through every later write):
    /// the new array was released (count set, elements not yet written, so its deinit destroyed
    /// garbage) before `CircularBuffer._copyContents(initializing:)` filled it, then filled after
    /// the free. The release test bundle crashed in that deinit (a segfault in `swift_arrayDestroy`)
    /// in 88 of 193 runs of this suite on a loaded machine, every time at the same instruction of
    /// `sinkTakesMessages`; the reassembler was never on the crashing stack.
    func feed(_ channel: EmbeddedChannel, _ bytes: ByteBuffer) throws {
        channel.pipeline.syncOperations.fireChannelRead(NIOAny(bytes))
        channel.pipeline.syncOperations.fireChannelReadComplete()
        try channel.throwIfErrorCaught()
    }

    /// Feeds `stream` cut at `cuts` (offsets, ascending) and returns everything decoded.
    func decode(_ stream: ByteBuffer, cuts: [Int]) throws -> [ReplicationInbound] {
        let channel = try channel()
        var start = 0
        for end in cuts + [stream.readableBytes] where end > start {
            try feed(channel, stream.getSlice(at: start, length: end - start)!)
            start = end
        }
        var out: [ReplicationInbound] = []
        while let item = try channel.readInbound(as: ReplicationInbound.self) { out.append(item) }
        try channel.throwIfErrorCaught()
        #expect(try channel.finish().isClean)
        return out
    }

    var expected: [ReplicationInbound] {
        [.hello(ReplicationWireTests.hello)] + (ReplicationWireTests.everyMessage + [Self.bigWrite, .ping(3), Self.bigWrite]).map { .message($0) }
    }

    @Test("every message comes out in order however the stream is cut")
    func anyCuts() throws {
        let all = stream(ReplicationWireTests.everyMessage + [Self.bigWrite, .ping(3), Self.bigWrite])
        #expect(try decode(all, cuts: []) == expected)
        var random = Xorshift(state: 42)
        for _ in 0..<20 {
            var cuts: [Int] = []
            var at = 0
            while true {
                // Mostly small pieces, sometimes a large one, as reads of a socket come.
                at += random.next() % 4 == 0 ? Int(random.next() % 300_000) : Int(random.next() % 5000) + 1
                guard at < all.readableBytes else { break }
                cuts.append(at)
            }
            #expect(try decode(all, cuts: cuts) == expected, "cuts \(cuts)")
        }
    }

    @Test("with a message sink, messages go to it in order and only the hello goes down the pipeline")
    func sinkTakesMessages() throws {
        let messages = ReplicationWireTests.everyMessage + [Self.bigWrite, .ping(3), Self.bigWrite]
        let all = stream(messages)
        var random = Xorshift(state: 7)
        for round in 0..<8 {
            let channel = EmbeddedChannel()
            let reassembler = ReplicationFrameReassembler(ReplicationFrameDecoder(peer: "test peer"))
            let sink = CollectingSink()
            reassembler.messageSink = sink
            try channel.pipeline.syncOperations.addHandler(reassembler)
            var start = 0
            while start < all.readableBytes {
                // Whole in the first round, then cut at random (mostly inside frames).
                let end = round == 0 ? all.readableBytes : min(all.readableBytes, start + Int(random.next() % 200_000) + 1)
                try feed(channel, all.getSlice(at: start, length: end - start)!)
                start = end
            }
            #expect(try channel.readInbound(as: ReplicationInbound.self) == .hello(ReplicationWireTests.hello))
            #expect(try channel.readInbound(as: ReplicationInbound.self) == nil, "no message went down the pipeline")
            #expect(sink.messages == messages, "round \(round)")
            #expect(try channel.finish().isClean)
        }
    }

    @Test("byte by byte, the small messages and the hello")
    func byteByByte() throws {
        let all = stream(ReplicationWireTests.everyMessage)
        let expectedSmall: [ReplicationInbound] = [.hello(ReplicationWireTests.hello)] + ReplicationWireTests.everyMessage.map { .message($0) }
        #expect(try decode(all, cuts: Array(1..<all.readableBytes)) == expectedSmall)
    }

    @Test("frames that arrive whole in a read are not copied, even after a cut frame")
    func wholeFramesStayInTheirRead() throws {
        let small = PeerMessage.write(ReplicatedWrite(sequence: 1, kind: .data, offsetBytes: 0, lengthBytes: 4096,
                                                      data: ByteBuffer(repeating: 0xA5, count: 4096), fua: false, wantsAck: true, notReplicatedTo: 0))
        let all = stream([small, small, small])
        let helloBytes = all.readableBytes - 3 * (all.readableBytes - stream([small, small]).readableBytes)
        let frameBytes = (all.readableBytes - helloBytes) / 3
        let channel = try channel()
        // First read: the hello and half a frame; second: the rest of it and two whole frames.
        let cut = helloBytes + frameBytes / 2
        try channel.writeInbound(all.getSlice(at: 0, length: cut)!)
        var second = ByteBuffer()
        second.writeImmutableBuffer(all.getSlice(at: cut, length: all.readableBytes - cut)!)
        try channel.writeInbound(second)
        _ = try channel.readInbound(as: ReplicationInbound.self)  // hello
        var payloads: [ByteBuffer] = []
        while case .message(.write(let w))? = try channel.readInbound(as: ReplicationInbound.self) { payloads.append(w.data) }
        #expect(payloads.count == 3)
        let range = second.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress!)..<UInt(bitPattern: $0.baseAddress! + $0.count) }
        func inSecond(_ b: ByteBuffer) -> Bool { b.withUnsafeReadableBytes { range.contains(UInt(bitPattern: $0.baseAddress!)) } }
        #expect(!inSecond(payloads[0]), "the cut frame was reassembled in a buffer of its own")
        #expect(inSecond(payloads[1]) && inSecond(payloads[2]), "whole frames are slices of the read they came in")
        #expect(try channel.finish().isClean)
    }

    @Test("an oversized length prefix is refused at once, before its frame is buffered, and later bytes are dropped")
    func oversizedPrefix() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ReplicationFrameReassembler(ReplicationFrameDecoder(peer: "node beta", frameBytesMax: 1024)))
        var first = stream([])
        first.writeInteger(UInt32(1 << 30))
        #expect(throws: ReplicationWireError.self) { try channel.writeInbound(first) }
        #expect(try channel.readInbound(as: ReplicationInbound.self) == .hello(ReplicationWireTests.hello))
        var frame = ByteBuffer()
        frame.writeReplicationFrame(.ping(1))
        try channel.writeInbound(frame)
        #expect(try channel.readInbound(as: ReplicationInbound.self) == nil)
        _ = try? channel.finish()
    }

    @Test("an error inside a cut frame names the peer and the frame type")
    func errorInCutFrame() throws {
        let channel = try channel(peer: "node beta")
        var all = stream([])
        var body = ByteBuffer()
        body.writeInteger(UInt8(4)); body.writeInteger(UInt64(1))  // a write frame that ends after its sequence
        all.writeInteger(UInt32(body.readableBytes)); all.writeBuffer(&body)
        try channel.writeInbound(all.getSlice(at: 0, length: all.readableBytes - 3)!)
        do {
            try channel.writeInbound(all.getSlice(at: all.readableBytes - 3, length: 3)!)
            Issue.record("accepted a truncated write frame")
        } catch let e as ReplicationWireError {
            #expect(e.description == "replication link from node beta: malformed write frame: truncated")
        }
        _ = try? channel.finish()
    }

    @Test("a connection that ends inside a frame is reported, naming the peer")
    func endsInsideFrame() throws {
        let all = stream([Self.bigWrite])
        for cut in [5, all.readableBytes - (1 << 20) - 3, all.readableBytes - 1] {
            let channel = try channel(peer: "node gamma (127.0.0.3:7000)")
            try channel.writeInbound(all.getSlice(at: 0, length: cut)!)
            do {
                try channel.close().wait()
                try channel.throwIfErrorCaught()
                Issue.record("no error for a stream cut at \(cut)")
            } catch let e as ReplicationWireError {
                #expect(e.description.contains("node gamma (127.0.0.3:7000)") && e.reason.contains("closed the connection"), "\(e)")
            }
        }
    }
}

/// A seeded generator, so a failing cut list is the same on every run.
struct Xorshift {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
}

/// Keeps what a reassembler hands it.
final class CollectingSink: ReplicationMessageSink {
    var messages: [PeerMessage] = []
    func receive(_ message: PeerMessage) { messages.append(message) }
}
