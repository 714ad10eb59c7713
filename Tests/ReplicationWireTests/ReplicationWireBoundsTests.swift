import NIOCore
import ReplicationCore
@testable import ReplicationWire
import Testing

/// A peer's bytes are untrusted: every frame cut short at any byte, carrying a byte too many, or
/// declaring a count over its limit must be refused with an error that names the peer and the
/// frame — never decoded into a message with a guessed field, never an allocation sized by the
/// peer. `ReplicationWireTests` cuts one message at a few places; this cuts every message at
/// every byte, so a field added to a message without its decoder (or the other way round) fails
/// here.
@Suite("Replication wire codec: truncated, overlong and oversized frames")
struct ReplicationWireBoundsTests {
    static let peer = "node beta"

    /// `message`'s frame body (type byte first), without its length prefix.
    static func body(of message: PeerMessage) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeReplicationFrame(message)
        buffer.moveReaderIndex(forwardBy: 4)
        return Array(buffer.readableBytesView)
    }

    /// Decodes `body` as the one frame after a valid hello.
    static func decodeFrame(_ body: [UInt8]) throws -> ReplicationInbound? {
        var decoder = ReplicationFrameDecoder(peer: peer)
        var buffer = ByteBuffer()
        ReplicationWireTests.hello.encode(into: &buffer)
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        #expect(try decoder.decode(buffer: &buffer) == .hello(ReplicationWireTests.hello))
        return try decoder.decode(buffer: &buffer)
    }

    /// The error `body` gets, or nil (recorded as an issue) when it decodes.
    static func refusal(_ body: [UInt8], _ what: String) -> String? {
        do {
            let decoded = try decodeFrame(body)
            Issue.record("\(what) decoded to \(String(describing: decoded))")
        } catch let error as ReplicationWireError {
            return error.description
        } catch {
            Issue.record("\(what) threw \(error), not a ReplicationWireError")
        }
        return nil
    }

    @Test("every message cut short at any byte, or with a byte too many, is refused naming the peer and the frame",
          arguments: ReplicationWireTests.everyMessage.indices)
    func truncatedAndOverlong(index: Int) throws {
        let message = ReplicationWireTests.everyMessage[index]
        let full = Self.body(of: message)
        // The whole body decodes: what fails below fails for the cut, not for the message.
        #expect(try Self.decodeFrame(full) == .message(message))
        let type = try #require(PeerMessageType(rawValue: full[0]))
        let prefix = "replication link from \(Self.peer): malformed \(type) frame: "
        for cut in 1..<full.count {
            let error = Self.refusal(Array(full.prefix(cut)), "\(type) cut to \(cut) of \(full.count) bytes")
            #expect(error?.hasPrefix(prefix) == true, "cut to \(cut): \(error ?? "nil")")
        }
        #expect(Self.refusal(full + [0], "\(type) with a trailing byte") == prefix + "1 unexpected trailing bytes")
    }

    /// A valid body with the u32 (or, for text, u16) count that sits `fromEnd` bytes before the
    /// end replaced by `count`. Each message below has its counted elements empty, so its
    /// counts are its last fields: measured from the end, a field added before them (as the
    /// write's peer-ack watermark in protocol 5) moves nothing here.
    static func patched(_ message: PeerMessage, countFromEnd fromEnd: Int, to count: Int, bytes: Int) -> [UInt8] {
        var body = ByteBuffer(bytes: body(of: message))
        let offset = body.writerIndex - fromEnd
        if bytes == 4 { body.setInteger(UInt32(count), at: offset) } else { body.setInteger(UInt16(count), at: offset) }
        return Array(body.readableBytesView)
    }

    @Test("a count one over its limit is refused from the count alone, before anything is allocated")
    func countsOverTheirLimits() {
        let frameMax = ReplicationFrameDecoder.defaultFrameBytesMax
        let generationsOnly = GenerationSet(current: Generation(5), bitmap: [], history: [])
        // (message, bytes from the end of the body to its count, limit, frame type, bytes of the count field)
        let cases: [(PeerMessage, Int, Int, String, Int)] = [
            (.newGeneration(GenerationAnnouncement(current: Generation(2), previous: Generation(1), absentNodes: [])),
             4, PeerMessageCodec.nodesMax, "newGeneration", 4),
            (.bitmap(BitmapChunk(firstWord: 0, words: [], isLast: true)), 4, BitmapChunk.wordsMax, "bitmap", 4),
            (.writerLost(WriterLost(writer: NodeID(1), lastSequence: 1, hotExtents: [])), 4, PeerMessageCodec.hotExtentsMax,
             "writerLost", 4),
            // The u16 length of an empty text.
            (.promotionReply(PromotionReply(id: 1, granted: true, reason: "")), 2, PeerMessageCodec.textBytesMax,
             "promotionReply", 2),
            // A generation set ends with its bitmap slot count, then its history count.
            (.resyncFinished(ResyncFinished(generations: generationsOnly)), 8, PeerMessageCodec.nodesMax, "resyncFinished", 4),
            (.resyncFinished(ResyncFinished(generations: generationsOnly)), 4, GenerationSet.historyMax, "resyncFinished", 4),
            // A handshake ends with its superseded generations' count (protocol 22).
            (.handshake(Handshake(nodeID: NodeID(1), volume: 0, sizeBytes: 4096, bitmapBlockBytes: 4096, role: .secondary,
                                  disk: .inconsistent, generations: generationsOnly, flags: [.inconsistent], outOfSyncBlocks: 0,
                                  hasQuorum: true, replicationProtocol: .c)), 4, GenerationSet.historyMax, "handshake", 4),
            // Payload counts: an empty payload is the frame's last field.
            (.write(ReplicatedWrite(sequence: 1, kind: .trim, offsetBytes: 0, lengthBytes: 4096, data: ByteBuffer(), fua: false,
                                    wantsAck: true, notReplicatedTo: 0)), 4, frameMax, "write", 4),
            (.resyncReply(ResyncReply(id: 1, offsetBytes: 0, lengthBytes: 4096, status: .zeroes, data: ByteBuffer())),
             4, frameMax, "resyncReply", 4),
            // The third nodes a resync reply names, then the payload count (4 bytes).
            (.resyncReply(ResyncReply(id: 1, offsetBytes: 0, lengthBytes: 4096, status: .zeroes, data: ByteBuffer())),
             8, PeerMessageCodec.nodesMax, "resyncReply", 4),
            // One node's words for a 1 MiB range: 2048 blocks of 512 bytes (the smallest block
            // ReplicaConfig takes), one word per 64 of them, 32 words. Written out, not the
            // codec's formula, so that a bound drawn from another block size fails here (at the
            // link's 4 KiB it is 4; the formula before this, with its "+ 1", allowed 33).
            (.resyncReply(ResyncReply(id: 1, offsetBytes: 0, lengthBytes: 1 << 20, status: .zeroes, data: ByteBuffer(),
                                      outOfSyncToward: [PeerBlocks(node: NodeID(1), words: [])])),
             8, 32, "resyncReply", 4),
            (.readReply(RemoteReadReply(id: 1, status: .failed, data: [])), 4, frameMax, "readReply", 4),
            (.lostWriterTail(LostWriterTail(writer: NodeID(1), sequence: 1, kind: .zeroes, offsetBytes: 0, lengthBytes: 4096,
                                            data: ByteBuffer())), 4, frameMax, "lostWriterTail", 4),
        ]
        for (message, fromEnd, limit, type, bytes) in cases {
            // At the limit the count is taken and the frame fails only for the elements it lacks
            // (so the place really is the count's), one over it fails on the count itself.
            let atLimit = Self.refusal(Self.patched(message, countFromEnd: fromEnd, to: limit, bytes: bytes), "\(type) at its limit")
            #expect(atLimit?.contains("at most") == false, "\(type) at \(limit): \(atLimit ?? "nil")")
            let over = Self.refusal(Self.patched(message, countFromEnd: fromEnd, to: limit + 1, bytes: bytes), "\(type) over its limit")
            let reason = bytes == 2 ? "text of \(limit + 1) bytes, at most \(limit)" : "\(limit + 1) elements, at most \(limit)"
            #expect(over == "replication link from \(Self.peer): malformed \(type) frame: \(reason)")
        }
    }

    @Test("a hello cut short at any byte waits, and at EOF is refused naming the peer")
    func helloCutAtEveryByte() throws {
        var whole = ByteBuffer()
        ReplicationWireTests.hello.encode(into: &whole)
        for cut in 1..<whole.readableBytes {
            var decoder = ReplicationFrameDecoder(peer: Self.peer)
            var partial = whole.getSlice(at: 0, length: cut)!
            #expect(try decoder.decode(buffer: &partial) == nil, "hello cut to \(cut) bytes")
            do {
                _ = try decoder.decodeLast(buffer: &partial, seenEOF: true)
                Issue.record("no error at EOF with a hello cut to \(cut) bytes")
            } catch let error as ReplicationWireError {
                #expect(error.description == "replication link from \(Self.peer): closed the connection in the middle of its hello (\(cut) bytes left over)")
            }
        }
    }

    /// The error a hello of `bytes` gets, or nil (recorded as an issue) when it is accepted.
    static func helloRefusal(_ bytes: ByteBuffer, peer: String, _ what: String) -> ReplicationWireError? {
        var decoder = ReplicationFrameDecoder(peer: peer)
        var input = bytes
        do {
            let decoded = try decoder.decode(buffer: &input)
            Issue.record("accepted \(what): \(String(describing: decoded))")
        } catch let error as ReplicationWireError {
            return error
        } catch {
            Issue.record("\(what) threw \(error), not a ReplicationWireError")
        }
        return nil
    }

    @Test("a hello declaring a body over its limit is refused from the length alone")
    func helloOversized() {
        var bytes = ByteBuffer()
        ReplicationWireTests.hello.encode(into: &bytes)
        bytes.setInteger(UInt16(ReplicationHello.bodyBytesMax + 1), at: 10)
        // Nothing of the body: the 12-byte header alone decides.
        let error = Self.helloRefusal(bytes.getSlice(at: 0, length: 12)!, peer: Self.peer, "an oversized hello")
        #expect(error?.reason == "hello of \(ReplicationHello.bodyBytesMax + 1) bytes exceeds \(ReplicationHello.bodyBytesMax)")
    }

    @Test("a peer speaking the previous protocol version is refused at the hello, saying both versions and what to do")
    func olderProtocolVersion() {
        var bytes = ByteBuffer()
        ReplicationWireTests.hello.encode(into: &bytes)
        let older = ReplicationHello.version - 1
        bytes.setInteger(older, at: 8)
        let error = Self.helloRefusal(bytes, peer: "node gamma (10.0.0.3:7000)", "protocol version \(older)")
        #expect(error?.description == "replication link from node gamma (10.0.0.3:7000): speaks replication protocol version \(older), this engine speaks \(ReplicationHello.version); upgrade the older engine")
    }
}
