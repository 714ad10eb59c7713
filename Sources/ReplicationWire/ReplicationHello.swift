import NIOCore
import ReplicationCore

/// The first bytes on every replication connection, in both directions, before any
/// `PeerMessage`: who is talking, about which resource and volume, in which protocol version.
/// A peer with another magic (not Tandem), another version, another resource, an unexpected node
/// id or a different volume size is refused with a message that says exactly that.
///
/// Each (volume, peer) connection is two TCP connections (protocol 4): the main one, which carries
/// every message but resync replies, and a resync one for the 1 MiB resync replies, so that an
/// application write and its ack never wait in a stream behind them (DRBD 9 likewise keeps a
/// data and a meta socket per connection). The dialer opens the main connection first with a
/// fresh `connectionToken`, which the listener echoes; the resync connection names the same
/// token, so a listener attaches it only to the main connection it belongs to, never to an
/// older one or another peer's.
///
/// Layout (big-endian): magic "TNDMREPL" (8) · version u16 · body length u16 · body:
/// resource name length u8 + UTF-8 · sender node id u8 · receiver node id u8 · volume u16 ·
/// size bytes u64 · bitmap block bytes u32 · frame bytes max u32 · lane u8 (0 main, 1 resync) ·
/// connection token u64.
public struct ReplicationHello: Sendable, Equatable {
    /// Which of a connection's two TCP connections this is.
    public enum Lane: UInt8, Sendable, Equatable, CustomStringConvertible {
        /// Every message except resync replies.
        case main = 0
        /// Resync replies only.
        case resync = 1

        public var description: String { self == .main ? "main" : "resync" }
    }

    public static let magic: [UInt8] = Array("TNDMREPL".utf8)
    /// Wire version; changes whenever any frame layout changes. Equal to the core's protocol
    /// version so one number describes what two engines speak.
    public static let version: UInt16 = replicationProtocolVersion
    public static let bodyBytesMax = 2 + 255 + 2 + 2 + 8 + 4 + 4 + 1 + 8

    public var resourceName: String
    public var senderNodeID: NodeID
    public var receiverNodeID: NodeID
    public var volume: UInt16
    public var sizeBytes: UInt64
    public var bitmapBlockBytes: UInt32
    /// The largest frame the sender accepts.
    public var frameBytesMax: UInt32
    public var lane: Lane
    /// Chosen by the dialer for each main connection and echoed by the listener; the resync
    /// connection repeats it to say which main connection it belongs to.
    public var connectionToken: UInt64

    public init(resourceName: String, senderNodeID: NodeID, receiverNodeID: NodeID, volume: UInt16,
                sizeBytes: UInt64, bitmapBlockBytes: UInt32, frameBytesMax: UInt32, lane: Lane = .main,
                connectionToken: UInt64 = 0) {
        self.resourceName = resourceName; self.senderNodeID = senderNodeID; self.receiverNodeID = receiverNodeID
        self.volume = volume; self.sizeBytes = sizeBytes; self.bitmapBlockBytes = bitmapBlockBytes
        self.frameBytesMax = frameBytesMax; self.lane = lane; self.connectionToken = connectionToken
    }

    public func encode(into buffer: inout ByteBuffer) {
        let name = Array(resourceName.utf8.prefix(255))
        buffer.writeBytes(Self.magic)
        buffer.writeInteger(Self.version)
        buffer.writeInteger(UInt16(1 + name.count + 1 + 1 + 2 + 8 + 4 + 4 + 1 + 8))
        buffer.writeInteger(UInt8(name.count))
        buffer.writeBytes(name)
        buffer.writeInteger(senderNodeID.rawValue)
        buffer.writeInteger(receiverNodeID.rawValue)
        buffer.writeInteger(volume)
        buffer.writeInteger(sizeBytes)
        buffer.writeInteger(bitmapBlockBytes)
        buffer.writeInteger(frameBytesMax)
        buffer.writeInteger(lane.rawValue)
        buffer.writeInteger(connectionToken)
    }

    /// nil when more bytes are needed (the reader index is then unchanged).
    static func decode(from buffer: inout ByteBuffer, peer: String) throws(ReplicationWireError) -> ReplicationHello? {
        let prefix = buffer.readableBytesView.prefix(8)
        if !Self.magic.starts(with: prefix) {
            throw ReplicationWireError(peer: peer, reason: "does not speak the Tandem replication protocol (bad magic \(hex(prefix))); is another service on this port?")
        }
        guard buffer.readableBytes >= 12 else { return nil }
        var view = buffer
        view.moveReaderIndex(forwardBy: 8)
        let version: UInt16 = view.readInteger()!
        let bodyLength = Int(view.readInteger(as: UInt16.self)!)
        guard version == Self.version else {
            throw ReplicationWireError(peer: peer, reason: "speaks replication protocol version \(version), this engine speaks \(Self.version); upgrade the older engine")
        }
        guard bodyLength <= bodyBytesMax else {
            throw ReplicationWireError(peer: peer, reason: "hello of \(bodyLength) bytes exceeds \(bodyBytesMax)")
        }
        guard var body = view.readSlice(length: bodyLength) else { return nil }
        buffer = view
        var reader = WireReader(buffer: body, peer: peer, what: "hello")
        let nameLength = Int(try reader.u8())
        let nameBytes = try reader.bytes(nameLength)
        guard let name = String(validating: nameBytes, as: UTF8.self) else {
            throw ReplicationWireError(peer: peer, reason: "hello carries a resource name that is not UTF-8")
        }
        var hello = ReplicationHello(
            resourceName: name, senderNodeID: NodeID(try reader.u8()), receiverNodeID: NodeID(try reader.u8()),
            volume: try reader.u16(), sizeBytes: try reader.u64(), bitmapBlockBytes: try reader.u32(),
            frameBytesMax: try reader.u32())
        let laneCode = try reader.u8()
        guard let lane = Lane(rawValue: laneCode) else {
            throw ReplicationWireError(peer: peer, reason: "hello names connection lane \(laneCode), which is neither main (0) nor resync (1)")
        }
        hello.lane = lane
        hello.connectionToken = try reader.u64()
        body = reader.buffer
        guard body.readableBytes == 0 else {
            throw ReplicationWireError(peer: peer, reason: "hello has \(body.readableBytes) unexpected trailing bytes")
        }
        return hello
    }

    static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
