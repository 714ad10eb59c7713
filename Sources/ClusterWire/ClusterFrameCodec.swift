import NIOCore

/// Turns inbound bytes into `ClusterMessage`s. It never moves the reader index on a partial
/// frame, and a connection that closes mid-frame is an error, not a silently dropped message.
public struct ClusterFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ClusterMessage
    public let payloadBytesMax: UInt32

    public init(payloadBytesMax: UInt32 = ClusterWire.payloadBytesMax) {
        self.payloadBytesMax = payloadBytesMax
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ClusterMessage? {
        try ClusterWire.decode(from: &buffer, payloadBytesMax: payloadBytesMax)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ClusterMessage? {
        if let message = try decode(buffer: &buffer) { return message }
        guard buffer.readableBytes > 0 else { return nil }
        let expected = (try? WireHeader.peek(in: buffer)).flatMap { $0 }.map { WireHeader.byteCount + Int($0.payloadByteCount) } ?? WireHeader.byteCount
        throw WireError.truncatedFrame(received: buffer.readableBytes, expected: expected)
    }
}

/// Turns outbound `ClusterMessage`s into frames.
public struct ClusterFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = ClusterMessage
    public init() {}
    public func encode(data: ClusterMessage, out: inout ByteBuffer) throws {
        try ClusterWire.encode(data, into: &out)
    }
}
