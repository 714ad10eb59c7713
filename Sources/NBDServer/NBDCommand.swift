import NBDProtocol
import NIOCore

/// A request the state machine has validated against the export: in range, within the payload
/// limit, only with flags the export advertised. The handler passes it to the export as is.
public enum NBDCommand: Sendable, Hashable {
    case read(cookie: UInt64, offset: UInt64, length: Int)
    case write(cookie: UInt64, offset: UInt64, data: ByteBuffer, fua: Bool)
    case flush(cookie: UInt64)
    case trim(cookie: UInt64, offset: UInt64, length: Int, fua: Bool)
    case writeZeroes(cookie: UInt64, offset: UInt64, length: Int, fua: Bool, mayPunchHoles: Bool)

    public var cookie: UInt64 {
        switch self {
        case let .read(cookie, _, _), let .write(cookie, _, _, _), let .flush(cookie),
             let .trim(cookie, _, _, _), let .writeZeroes(cookie, _, _, _, _):
            cookie
        }
    }

    public var isRead: Bool {
        if case .read = self { return true }
        return false
    }
}

/// What to send for one finished (or refused) request. Without structured replies everything is
/// a simple reply; with them a READ always gets structured chunks (the spec requires it, even for
/// an error), other commands keep simple replies.
public enum NBDReplyFrame: Sendable, Hashable {
    case simple(NBDSimpleReply, data: ByteBuffer?)
    case structured(NBDStructuredReplyChunk)

    /// Encodes the frame; READ data is returned separately so a large buffer is written to the
    /// channel without being copied behind its header.
    public func encode(into header: inout ByteBuffer) -> ByteBuffer? {
        switch self {
        case let .simple(reply, data):
            header.writeNBDSimpleReply(reply)
            return data
        case let .structured(chunk):
            if case let .offsetData(offset, data) = chunk.payload {
                header.writeNBDStructuredReplyHeader(flags: chunk.flags, type: .offsetData, cookie: chunk.cookie,
                                                     payloadLength: UInt32(8 + data.readableBytes))
                header.writeInteger(offset)
                return data
            }
            header.writeNBDStructuredReplyChunk(chunk)
            return nil
        }
    }
}
