import NIOCore
import ReplicationCore

/// What arrives on a replication connection: first the peer's hello, then messages.
public enum ReplicationInbound: Sendable, Equatable {
    case hello(ReplicationHello)
    case message(PeerMessage)
}

/// Decodes a replication connection: the hello, then length-prefixed frames. Paranoid: a frame
/// longer than `frameBytesMax` is refused from its length prefix alone (before buffering it), and
/// the reader index never moves on a partial frame.
public struct ReplicationFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ReplicationInbound

    /// Frames carry at most one write or resync reply; 4 MiB of data plus headers by default.
    public static let defaultFrameBytesMax = (4 << 20) + 4096

    public let frameBytesMax: Int
    /// Named in errors; the engine sets it to the peer's address (and node once known).
    public var peer: String
    private var sawHello = false

    public init(peer: String, frameBytesMax: Int = ReplicationFrameDecoder.defaultFrameBytesMax) {
        precondition(frameBytesMax >= 64, "frames must at least hold a header")
        self.peer = peer; self.frameBytesMax = frameBytesMax
    }

    /// A decoder past the hello, for tests that replay frame streams on their own.
    init(framesOnlyFor peer: String, frameBytesMax: Int = ReplicationFrameDecoder.defaultFrameBytesMax) {
        self.init(peer: peer, frameBytesMax: frameBytesMax)
        sawHello = true
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ReplicationInbound? {
        if !sawHello {
            guard let hello = try ReplicationHello.decode(from: &buffer, peer: peer) else { return nil }
            sawHello = true
            return .hello(hello)
        }
        guard let length = try frameLength(in: buffer) else { return nil }
        guard buffer.readableBytes >= 4 + length else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        let body = buffer.readSlice(length: Int(length))!
        let message = try PeerMessageCodec.decode(body, peer: peer, payloadBytesMax: frameBytesMax)
        return .message(message)
    }

    /// How many bytes, from the reader index, the next item needs in all, once the buffer tells:
    /// a whole frame (its length prefix included) when the prefix is in, the prefix itself while
    /// it is not; nil during the hello, whose length shows only as it is parsed. Throws what
    /// `decode` throws for a prefix it refuses, so no caller sizes a buffer from a bad length.
    public func bytesNeeded(in buffer: ByteBuffer) throws(ReplicationWireError) -> Int? {
        guard sawHello else { return nil }
        guard let length = try frameLength(in: buffer) else { return 4 }
        return 4 + length
    }

    /// The body length from the frame's prefix, checked against the limit; nil before 4 bytes.
    private func frameLength(in buffer: ByteBuffer) throws(ReplicationWireError) -> Int? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length >= 1 else { throw ReplicationWireError(peer: peer, reason: "empty frame") }
        guard Int(length) <= frameBytesMax else {
            throw ReplicationWireError(peer: peer, reason: "frame of \(length) bytes exceeds the limit of \(frameBytesMax) bytes")
        }
        return Int(length)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ReplicationInbound? {
        if let value = try decode(buffer: &buffer) { return value }
        if seenEOF && buffer.readableBytes > 0 {
            let what = sawHello ? "in the middle of a frame" : "in the middle of its hello"
            throw ReplicationWireError(peer: peer, reason: "closed the connection \(what) (\(buffer.readableBytes) bytes left over)")
        }
        return nil
    }
}

/// What goes out on a replication connection.
public enum ReplicationOutbound: Sendable, Equatable {
    case hello(ReplicationHello)
    case message(PeerMessage)
}
