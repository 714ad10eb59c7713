import NIOCore
import ReplicationCore
@testable import ReplicationWire
import Testing

/// The handshake's replication protocol (A/C), added in replication protocol 10: its byte
/// roundtrips, a frame cut before it or carrying an unknown code is refused, and a 9 peer (whose
/// handshake has no such byte) is refused by its hello's version before any frame is read. Since
/// protocol 21 the byte is followed by the superseded generations' u32 count (none here).
@Suite("Replication wire codec: the handshake's replication protocol")
struct HandshakeProtocolWireTests {
    static func handshake(_ p: ReplicationProtocol) -> Handshake {
        Handshake(nodeID: NodeID(2), volume: 0, sizeBytes: 1 << 30, bitmapBlockBytes: 4096, role: .secondary,
                  disk: .upToDate, generations: GenerationSet(current: Generation(0x5EED_0000_0000_0008)), flags: [],
                  outOfSyncBlocks: 0, hasQuorum: true, lastWriteSequence: 7, replicationProtocol: p)
    }

    /// A hello, then one handshake frame whose body `edit` may change (the length is set after).
    static func stream(_ p: ReplicationProtocol, edit: (inout [UInt8]) -> Void = { _ in }) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.writeReplicationFrame(.handshake(handshake(p)))
        var body = Array(frame.readableBytesView.dropFirst(4))
        edit(&body)
        var buffer = ByteBuffer()
        ReplicationWireTests.hello.encode(into: &buffer)
        buffer.writeInteger(UInt32(body.count))
        buffer.writeBytes(body)
        return buffer
    }

    static func decodeHandshake(_ stream: ByteBuffer) throws -> PeerMessage? {
        var buffer = stream
        var decoder = ReplicationFrameDecoder(peer: "node beta")
        _ = try decoder.decode(buffer: &buffer)  // the hello
        guard case .message(let message)? = try decoder.decode(buffer: &buffer) else { return nil }
        return message
    }

    @Test("protocol A and protocol C roundtrip, as DRBD's codes 1 and 3", arguments: [ReplicationProtocol.a, .c])
    func roundtrip(_ p: ReplicationProtocol) throws {
        #expect(try Self.decodeHandshake(Self.stream(p)) == .handshake(Self.handshake(p)))
        var frame = ByteBuffer()
        frame.writeReplicationFrame(.handshake(Self.handshake(p)))
        #expect(frame.readableBytesView.dropLast(4).last == (p == .a ? 1 : 3))
    }

    @Test("a handshake cut before its protocol byte is refused as truncated")
    func truncated() throws {
        do {
            _ = try Self.decodeHandshake(Self.stream(.c) { $0.removeLast(5) })
            Issue.record("accepted a handshake without its replication protocol")
        } catch let e as ReplicationWireError {
            #expect(e.description == "replication link from node beta: malformed handshake frame: truncated")
        }
    }

    @Test("an unknown protocol code (B, 2, is not implemented) is refused by name", arguments: [UInt8(0), 2, 4, 0x43])
    func unknownCode(_ code: UInt8) throws {
        do {
            _ = try Self.decodeHandshake(Self.stream(.c) { $0[$0.count - 5] = code })
            Issue.record("accepted replication protocol code \(code)")
        } catch let e as ReplicationWireError {
            #expect(e.description.contains("replication protocol \(code)"), "\(e)")
        }
    }

    @Test("a peer of replication protocol 9 is refused by its hello, naming both versions")
    func oldVersionRefused() throws {
        #expect(ReplicationHello.version == replicationProtocolVersion && replicationProtocolVersion >= 10)
        var buffer = ByteBuffer()
        ReplicationWireTests.hello.encode(into: &buffer)
        buffer.setInteger(UInt16(9), at: 8)
        var decoder = ReplicationFrameDecoder(peer: "node gamma")
        do { _ = try decoder.decode(buffer: &buffer); Issue.record("accepted version 9") } catch let e as ReplicationWireError {
            #expect(e.reason.contains("version 9") && e.reason.contains("this engine speaks \(ReplicationHello.version)"), "\(e)")
        }
    }
}
