import NIOCore
import NIOEmbedded
import NIOTestUtils
import ReplicationCore
@testable import ReplicationWire
import Testing

@Suite("Replication wire codec")
struct ReplicationWireTests {
    static let generations = GenerationSet(
        current: Generation(0xDEAD_BEEF_0000_0011),
        bitmap: [PeerGeneration(nodeID: NodeID(1), generation: .none), PeerGeneration(nodeID: NodeID(31), generation: Generation(.max))],
        history: [Generation(7), Generation(0x8000_0000_0000_0000)])

    /// One of every message, with extreme values where a field allows them.
    static let everyMessage: [PeerMessage] = [
        .handshake(Handshake(nodeID: NodeID(31), volume: .max, sizeBytes: 1 << 50, bitmapBlockBytes: 4096, role: .primary,
                             disk: .upToDate, generations: generations, flags: [.crashedPrimary, .discardMyData, .freshThin],
                             outOfSyncBlocks: .max, crashMarkedBlocks: 0x0123_4567_89AB_CDEF, hasQuorum: true, lastWriteSequence: .max,
                             replicationProtocol: .a,
                             supersededGenerations: (1 ... UInt64(GenerationSet.historyMax)).map { Generation($0 << 32 | 0xC0FFEE) })),
        .handshake(Handshake(nodeID: NodeID(0), volume: 0, sizeBytes: 0, bitmapBlockBytes: 4096, role: .secondary,
                             disk: .diskless, generations: GenerationSet(current: .none), flags: [.disklessClient],
                             outOfSyncBlocks: 0, hasQuorum: false, lastWriteSequence: 0, replicationProtocol: .c)),
        .stateChange(PeerStateReport(role: .unknown, disk: .dUnknown, current: Generation(.max), hasQuorum: false)),
        .stateChange(PeerStateReport(role: .secondary, disk: .outdated, current: Generation(7), hasQuorum: true, outdatedByQuorumLoss: true)),
        .newGeneration(GenerationAnnouncement(current: Generation(9), previous: Generation(8), absentNodes: [NodeID(0), NodeID(31)])),
        .write(ReplicatedWrite(sequence: .max, kind: .data, offsetBytes: (1 << 50) - 4096, lengthBytes: 4096,
                               data: ByteBuffer(bytes: (0..<4096).map { UInt8($0 & 0xFF) }), fua: true, wantsAck: true, notReplicatedTo: .max,
                               peerAckedBelow: .max)),
        .write(ReplicatedWrite(sequence: 1, kind: .trim, offsetBytes: 0, lengthBytes: .max, data: ByteBuffer(), fua: false, wantsAck: false, notReplicatedTo: 0)),
        .write(ReplicatedWrite(sequence: 2, kind: .zeroes, offsetBytes: 512, lengthBytes: 1 << 20, data: ByteBuffer(), fua: true, wantsAck: true, notReplicatedTo: 4,
                               peerAckedBelow: 2)),
        .writeAck(WriteAck(sequence: .max, success: false)),
        .writeAck(WriteAck(sequence: 1, success: true, count: WriteAck.countMax)),
        .flush(FlushRequest(number: 1)),
        .flushAck(FlushAck(number: .max, success: true)),
        .bitmap(BitmapChunk(firstWord: 12, words: [0, .max, 0x5555], isLast: false)),
        .bitmap(BitmapChunk(firstWord: .max, words: [], isLast: true)),
        .outOfSync(OutOfSyncRange(offsetBytes: .max, lengthBytes: .max, node: NodeID(31))),
        .resyncRequest(ResyncRequest(id: 1, offsetBytes: 4096, lengthBytes: 1 << 20, writer: NodeID(3), writerSequence: .max)),
        .resyncRequest(ResyncRequest(id: .max, offsetBytes: 0, lengthBytes: 4096, writer: nil, writerSequence: 0)),
        .resyncReply(ResyncReply(id: 5, offsetBytes: 8192, lengthBytes: 3, status: .ok, data: ByteBuffer(bytes: [1, 2, 3]))),
        .resyncReply(ResyncReply(id: 6, offsetBytes: 8192, lengthBytes: 4096, status: .zeroes, data: ByteBuffer())),
        .resyncReply(ResyncReply(id: 7, offsetBytes: 0, lengthBytes: 1 << 20, status: .zeroes, data: ByteBuffer(),
                                 outOfSyncToward: [PeerBlocks(node: NodeID(31), words: [.max, 0, 1, 1 << 63]),
                                                   PeerBlocks(node: NodeID(0), words: [0x5555])])),
        .resyncReply(ResyncReply(id: 8, offsetBytes: 0, lengthBytes: 1 << 20, status: .ok, data: ByteBuffer(bytes: [9]),
                                 outOfSyncToward: [PeerBlocks(node: NodeID(2), words: [1, 0, 0, 0])],
                                 crashOnlyToward: [PeerBlocks(node: NodeID(2), words: [6, 0, 0, 1 << 63]),
                                                   PeerBlocks(node: NodeID(31), words: [.max, .max, 0, 0])])),
        .resyncFinished(ResyncFinished(generations: generations)),
        .verifyRequest(VerifyRequest(id: 1, offsetBytes: 2, lengthBytes: 3, digest: .max)),
        .verifyReply(VerifyReply(id: 1, offsetBytes: 2, lengthBytes: 3, inSync: false)),
        .readRequest(RemoteReadRequest(id: 9, offsetBytes: 10, lengthBytes: 11)),
        .readReply(RemoteReadReply(id: 9, status: .failed, data: [])),
        .readReply(RemoteReadReply(id: 10, status: .ok, data: [0xFF, 0])),
        .promotionRequest(PromotionRequest(id: .max, dataGeneration: Generation(0xC08D_783C_B1F7_7C30))),
        .promotionReply(PromotionReply(id: 1, granted: false, reason: "node 2 (gamma) is Primary — ünïcode")),
        .writerLost(WriterLost(writer: NodeID(2), lastSequence: 77, hotExtents: [0, 5, .max], streamStart: .max)),
        .writerLost(WriterLost(writer: NodeID(3), lastSequence: 1, hotExtents: [], streamStart: 0, answer: true)),
        .writerLost(WriterLost(writer: NodeID(4), lastSequence: 2, hotExtents: [1], streamStart: 1, withdrawn: true)),
        .lostWriterTail(LostWriterTail(writer: NodeID(31), sequence: .max, kind: .data, offsetBytes: 8192, lengthBytes: 3,
                                       data: ByteBuffer(bytes: [7, 8, 9]))),
        .lostWriterTail(LostWriterTail(writer: NodeID(0), sequence: 1, kind: .zeroes, offsetBytes: .max, lengthBytes: 4096,
                                       data: ByteBuffer())),
        .lostWriterTailAck(LostWriterTailAck(writer: NodeID(2), sequence: .max, applied: true)),
        .lostWriterTailAck(LostWriterTailAck(writer: NodeID(3), sequence: 0, applied: false)),
        .goodbye(Goodbye(outdated: true)),
        .ping(0),
        .pingAck(.max),
    ]

    static let hello = ReplicationHello(resourceName: "backups", senderNodeID: NodeID(1), receiverNodeID: NodeID(2), volume: 0,
                                        sizeBytes: 1 << 30, bitmapBlockBytes: 4096, frameBytesMax: 1 << 22)

    func encoded(_ items: [ReplicationOutbound]) throws -> ByteBuffer {
        var buffer = ByteBuffer()
        for item in items {
            switch item {
            case .hello(let hello): hello.encode(into: &buffer)
            case .message(let message): buffer.writeReplicationFrame(message)
            }
        }
        return buffer
    }

    @Test("every message roundtrips, whole, byte by byte and in random splits")
    func roundtripVerifier() throws {
        // The verifier replays the stream several times on one decoder, so it checks the frames
        // after the hello; the hello has its own tests below.
        let pairs = try Self.everyMessage.map { (try encoded([.message($0)]), [ReplicationInbound.message($0)]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            ReplicationFrameDecoder(framesOnlyFor: "test peer")
        }
    }

    @Test("each message alone decodes to itself", arguments: everyMessage.indices)
    func roundtripEach(index: Int) throws {
        let message = Self.everyMessage[index]
        var decoder = ReplicationFrameDecoder(peer: "p")
        var buffer = try encoded([.hello(Self.hello), .message(message)])
        #expect(try decoder.decode(buffer: &buffer) == .hello(Self.hello))
        #expect(try decoder.decode(buffer: &buffer) == .message(message))
        #expect(buffer.readableBytes == 0)
    }

    @Test("a truncated frame waits without moving the reader; EOF then names the peer")
    func truncated() throws {
        let full = try encoded([.hello(Self.hello), .message(Self.everyMessage[3])])
        for cut in [1, 8, 11, 20, full.readableBytes - 1] {
            var decoder = ReplicationFrameDecoder(peer: "node beta (127.0.0.2:7000)")
            var partial = full.getSlice(at: 0, length: cut)!
            var results: [ReplicationInbound] = []
            while let r = try decoder.decode(buffer: &partial) { results.append(r) }
            #expect(results.count < 2)
            do {
                _ = try decoder.decodeLast(buffer: &partial, seenEOF: true)
                Issue.record("no error at EOF after \(cut) bytes")
            } catch let error as ReplicationWireError {
                #expect(error.description.contains("node beta (127.0.0.2:7000)"))
                #expect(error.reason.contains("closed the connection"))
            }
        }
    }

    @Test("a frame over the limit is refused from its length alone")
    func oversized() throws {
        var decoder = ReplicationFrameDecoder(peer: "p", frameBytesMax: 1024)
        var buffer = try encoded([.hello(Self.hello)])
        buffer.writeInteger(UInt32(1025))
        #expect(try decoder.decode(buffer: &buffer) == .hello(Self.hello))
        #expect(throws: ReplicationWireError.self) { try decoder.decode(buffer: &buffer) }
        // At exactly the limit the decoder waits for the rest.
        var exact = ReplicationFrameDecoder(peer: "p", frameBytesMax: 1024)
        var b2 = try encoded([.hello(Self.hello)])
        b2.writeInteger(UInt32(1024)); b2.writeInteger(UInt8(21))
        _ = try exact.decode(buffer: &b2)
        #expect(try exact.decode(buffer: &b2) == nil)
    }

    @Test("a write whose data exceeds the payload limit is refused before allocating")
    func oversizedPayloadCount() throws {
        var decoder = ReplicationFrameDecoder(peer: "p", frameBytesMax: 256)
        var buffer = try encoded([.hello(Self.hello)])
        var body = ByteBuffer()
        body.writeInteger(UInt8(4)); body.writeInteger(UInt64(1)); body.writeInteger(UInt8(0)); body.writeInteger(UInt64(0))
        body.writeInteger(UInt32(16)); body.writeInteger(UInt8(0)); body.writeInteger(UInt8(1)); body.writeInteger(UInt32(0))
        body.writeInteger(UInt64(1))  // peer-ack watermark
        body.writeInteger(UInt32.max)
        buffer.writeInteger(UInt32(body.readableBytes)); buffer.writeBuffer(&body)
        _ = try decoder.decode(buffer: &buffer)
        #expect(throws: ReplicationWireError.self) { try decoder.decode(buffer: &buffer) }
    }

    @Test("a truncated frame body is refused with the frame's type named")
    func truncatedBodyNamesType() throws {
        var decoder = ReplicationFrameDecoder(peer: "node beta")
        var buffer = try encoded([.hello(Self.hello)])
        var body = ByteBuffer()
        body.writeInteger(UInt8(4)); body.writeInteger(UInt64(1))  // a write frame that ends after its sequence
        buffer.writeInteger(UInt32(body.readableBytes)); buffer.writeBuffer(&body)
        _ = try decoder.decode(buffer: &buffer)
        do { _ = try decoder.decode(buffer: &buffer); Issue.record("accepted a truncated write frame") } catch let e as ReplicationWireError {
            #expect(e.description == "replication link from node beta: malformed write frame: truncated")
        }
    }

    @Test("garbage, another protocol version and bad enum values give errors naming the peer")
    func garbage() throws {
        var http = ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n")
        var d1 = ReplicationFrameDecoder(peer: "10.0.0.9:7000")
        do { _ = try d1.decode(buffer: &http); Issue.record("accepted HTTP") } catch let e as ReplicationWireError {
            #expect(e.description == "replication link from 10.0.0.9:7000: does not speak the Tandem replication protocol (bad magic 474554202f204854); is another service on this port?")
        }
        var old = try encoded([.hello(Self.hello)])
        old.setInteger(UInt16(99), at: 8)
        var d2 = ReplicationFrameDecoder(peer: "node gamma")
        do { _ = try d2.decode(buffer: &old); Issue.record("accepted version 99") } catch let e as ReplicationWireError {
            #expect(e.reason.contains("version 99") && e.reason.contains("this engine speaks \(ReplicationHello.version)"))
        }
        for bad: [UInt8] in [[99], [2, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [20, 2], [5, 0, 0, 0, 0, 0, 0, 0, 1, 1, 9]] {
            var d = ReplicationFrameDecoder(peer: "p")
            var b = try encoded([.hello(Self.hello)])
            b.writeInteger(UInt32(bad.count)); b.writeBytes(bad)
            _ = try d.decode(buffer: &b)
            #expect(throws: ReplicationWireError.self, "\(bad)") { try d.decode(buffer: &b) }
        }
    }

    @Test("a write ack for no writes, for more than the limit, or past the last sequence is refused")
    func badAckRun() throws {
        let cases: [(UInt64, UInt32, String)] = [
            (1, 0, "write ack for 0 writes (1 to \(WriteAck.countMax))"),
            (1, WriteAck.countMax + 1, "write ack for \(WriteAck.countMax + 1) writes (1 to \(WriteAck.countMax))"),
            (.max - 1, 3, "write ack for 3 writes from \(UInt64.max - 1) runs past the last sequence number"),
        ]
        for (sequence, count, reason) in cases {
            var d = ReplicationFrameDecoder(peer: "node beta")
            var b = try encoded([.hello(Self.hello)])
            var body = ByteBuffer()
            body.writeInteger(UInt8(5)); body.writeInteger(sequence); body.writeInteger(UInt8(1)); body.writeInteger(count)
            b.writeInteger(UInt32(body.readableBytes)); b.writeBuffer(&body)
            _ = try d.decode(buffer: &b)
            do { _ = try d.decode(buffer: &b); Issue.record("accepted an ack of \(count) from \(sequence)") } catch let e as ReplicationWireError {
                #expect(e.description == "replication link from node beta: malformed writeAck frame: \(reason)")
            }
        }
        // The last sequence itself may be acknowledged.
        var d = ReplicationFrameDecoder(peer: "p")
        var b = try encoded([.hello(Self.hello), .message(.writeAck(WriteAck(sequence: .max - 2, success: true, count: 3)))])
        _ = try d.decode(buffer: &b)
        #expect(try d.decode(buffer: &b) == .message(.writeAck(WriteAck(sequence: .max - 2, success: true, count: 3))))
    }

    @Test("a resync connection's hello roundtrips with its lane and connection token, whole and byte by byte")
    func resyncLaneHello() throws {
        var hello = Self.hello
        hello.lane = .resync
        hello.connectionToken = 0xFEDC_BA98_7654_3210
        var whole = ByteBuffer()
        hello.encode(into: &whole)
        var decoder = ReplicationFrameDecoder(peer: "p")
        var copy = whole
        #expect(try decoder.decode(buffer: &copy) == .hello(hello))
        #expect(copy.readableBytes == 0)
        // Fed one byte at a time: nothing until the last byte, and the reader never moves.
        var drip = ReplicationFrameDecoder(peer: "p")
        var partial = ByteBuffer()
        for (index, byte) in whole.readableBytesView.enumerated() {
            partial.writeInteger(byte)
            let result = try drip.decode(buffer: &partial)
            if index < whole.readableBytes - 1 {
                #expect(result == nil, "decoded after \(index + 1) of \(whole.readableBytes) bytes")
                #expect(partial.readerIndex == 0)
            } else {
                #expect(result == .hello(hello))
            }
        }
        // The main lane and the token are part of equality: a hello that differs only there is
        // another hello (the engine ties the two connections by them).
        var main = hello
        main.lane = .main
        #expect(main != hello)
    }

    @Test("a hello naming an unknown lane, or cut short before its token, is refused naming the peer")
    func badLaneHello() throws {
        var hello = Self.hello
        hello.connectionToken = 7
        var bytes = ByteBuffer()
        hello.encode(into: &bytes)
        // The lane is the byte before the 8-byte token at the end of the body.
        var badLane = bytes
        badLane.setInteger(UInt8(2), at: bytes.writerIndex - 9)
        var d1 = ReplicationFrameDecoder(peer: "node beta (127.0.0.2:7000)")
        do { _ = try d1.decode(buffer: &badLane); Issue.record("accepted lane 2") } catch let e as ReplicationWireError {
            #expect(e.description == "replication link from node beta (127.0.0.2:7000): hello names connection lane 2, which is neither main (0) nor resync (1)")
        }
        // A protocol-3 hello (no lane, no token) declares a shorter body; with the version
        // patched to this one it is a truncated hello, never a guessed token.
        var short = ByteBuffer()
        let name = Array(hello.resourceName.utf8)
        short.writeBytes(ReplicationHello.magic)
        short.writeInteger(ReplicationHello.version)
        short.writeInteger(UInt16(1 + name.count + 1 + 1 + 2 + 8 + 4 + 4))
        short.writeInteger(UInt8(name.count)); short.writeBytes(name)
        short.writeInteger(UInt8(1)); short.writeInteger(UInt8(2)); short.writeInteger(UInt16(0))
        short.writeInteger(UInt64(1 << 30)); short.writeInteger(UInt32(4096)); short.writeInteger(UInt32(1 << 22))
        var d2 = ReplicationFrameDecoder(peer: "p")
        #expect(throws: ReplicationWireError.self) { try d2.decode(buffer: &short) }
    }

    @Test("trailing bytes in a frame are an error")
    func trailing() throws {
        var d = ReplicationFrameDecoder(peer: "p")
        var b = try encoded([.hello(Self.hello)])
        b.writeInteger(UInt32(10)); b.writeInteger(UInt8(21)); b.writeInteger(UInt64(1)); b.writeInteger(UInt8(0))
        _ = try d.decode(buffer: &b)
        #expect(throws: ReplicationWireError.self) { try d.decode(buffer: &b) }
    }
}
