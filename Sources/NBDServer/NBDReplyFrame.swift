import NBDProtocol
import NIOCore

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
