import NIOCore

/// The fixed 12-byte header in front of every controller↔satellite frame:
///
///     0      4        6        8               12
///     +------+--------+--------+---------------+------------------+
///     | TNDM | version|  type  | payload bytes | payload (JSON)…  |
///     +------+--------+--------+---------------+------------------+
///       magic  UInt16   UInt16     UInt32          big-endian
///
/// The magic catches a peer that is not Tandem at all (an HTTP client on the wrong port, a
/// LINSTOR satellite); the version is checked before the payload is interpreted, so a satellite
/// of another release is reported as incompatible instead of producing decoding noise.
public struct WireHeader: Sendable, Equatable {
    public static let magic: UInt32 = 0x544E_444D  // "TNDM"
    public static let byteCount = 12

    public var version: UInt16
    public var type: UInt16
    public var payloadByteCount: UInt32

    public init(version: UInt16, type: UInt16, payloadByteCount: UInt32) {
        self.version = version; self.type = type; self.payloadByteCount = payloadByteCount
    }

    public func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(WireHeader.magic)
        buffer.writeInteger(version)
        buffer.writeInteger(type)
        buffer.writeInteger(payloadByteCount)
    }

    /// Reads a header without moving the reader index; nil when fewer than 12 bytes are there.
    /// Throws when the bytes cannot be a Tandem header.
    public static func peek(in buffer: ByteBuffer) throws(WireError) -> WireHeader? {
        guard buffer.readableBytes >= byteCount,
              let magic = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self),
              let version = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt16.self),
              let type = buffer.getInteger(at: buffer.readerIndex + 6, as: UInt16.self),
              let length = buffer.getInteger(at: buffer.readerIndex + 8, as: UInt32.self)
        else { return nil }
        guard magic == WireHeader.magic else { throw WireError.badMagic(found: magic) }
        return WireHeader(version: version, type: type, payloadByteCount: length)
    }
}
