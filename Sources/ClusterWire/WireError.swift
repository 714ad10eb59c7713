/// Why bytes from the other side could not be accepted. Each case says what was wrong in words a
/// LINSTOR operator understands; the connection is closed after any of them.
public enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The first four bytes were not "TNDM": the peer does not speak Tandem's cluster protocol.
    case badMagic(found: UInt32)
    /// A frame announced more payload than `ClusterWire.payloadBytesMax`.
    case frameTooLarge(announced: UInt32, limit: UInt32)
    /// The frame's protocol version is not ours, outside the hello exchange.
    case unsupportedVersion(found: UInt16, supported: UInt16)
    /// The message type number is unknown to this version.
    case unknownMessageType(UInt16)
    /// The JSON payload did not decode as the message its type announces.
    case badPayload(messageType: String, reason: String)
    /// The connection closed in the middle of a frame.
    case truncatedFrame(received: Int, expected: Int)

    public var description: String {
        switch self {
        case .badMagic(let found):
            let hex = String(found, radix: 16, uppercase: true)
            return "the peer does not speak the Tandem cluster protocol (frame starts with 0x\(hex), expected \"TNDM\"); is something else listening on this port?"
        case .frameTooLarge(let announced, let limit):
            return "frame of \(announced) bytes exceeds the limit of \(limit) bytes"
        case .unsupportedVersion(let found, let supported):
            return "peer speaks cluster protocol version \(found), this side speaks version \(supported)"
        case .unknownMessageType(let t):
            return "unknown message type \(t) in cluster protocol frame"
        case .badPayload(let type, let reason):
            return "malformed \(type) message: \(reason)"
        case .truncatedFrame(let received, let expected):
            return "connection closed in the middle of a frame (\(received) of \(expected) bytes received)"
        }
    }
}
