import Glibc
import NIOCore

/// Reads a NIO channel's socket directly, without blocking, for a handler that wants the rest
/// of a large item in a buffer of its own instead of in NIO's read buffers (which it would then
/// copy: a 1 MiB replicated write arrives in 64 KiB reads).
///
/// Safe only where NIO itself would read: on the channel's event loop, from the channel's own
/// inbound handler, while the channel is open (within `channelRead`). NIO reads the socket only
/// from that loop, between handler calls, so the bytes read here are exactly the ones that
/// follow what NIO last handed on, and NIO's next read simply starts after them. NIO closes
/// the descriptor on that loop too, so the number cannot belong to another file while a
/// handler runs. An end of stream or an error read here is seen by NIO's next read as an end
/// of stream (the socket stays at its end), so the channel still closes as it would have.
public struct ChannelSocketReader: Sendable {
    public enum Outcome: Equatable, Sendable {
        /// This many bytes (at least one) were read.
        case bytes(Int)
        /// Nothing more is in the socket now.
        case wouldBlock
        /// The stream ended or failed; read nothing more directly.
        case ended
    }

    public let descriptor: CInt

    public init(descriptor: CInt) { self.descriptor = descriptor }

    /// Finds the channel's descriptor (`ChannelSocketDescriptor`); nil when it has none or
    /// closed meanwhile.
    public static func find(for channel: any Channel) -> EventLoopFuture<ChannelSocketReader?> {
        ChannelSocketDescriptor.cookie(of: channel).map { cookie in
            guard channel.isActive, let cookie, let fd = ChannelSocketDescriptor.descriptor(withCookie: cookie) else { return nil }
            return ChannelSocketReader(descriptor: fd)
        }
    }

    /// Below this many missing bytes NIO's next read (64 KiB) does as well as a direct one: the
    /// bound both the NBD server's and the replication link's direct reads use.
    public static let directReadBytesMin = 16 << 10

    /// One `read` of at most `count` bytes into `buffer`'s writable space (grown to hold them
    /// if it cannot already), moving its writer index past what was read. The caller keeps
    /// `buffer` the one reference to its storage, so the bytes land in place, not in a copy.
    public func read(into buffer: inout ByteBuffer, atMost count: Int) -> Outcome {
        var outcome = Outcome.wouldBlock
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { space in
            outcome = read(into: UnsafeMutableRawBufferPointer(rebasing: space.prefix(count)))
            if case .bytes(let n) = outcome { return n }
            return 0
        }
        return outcome
    }

    /// One `read` into `buffer` (retried on EINTR).
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Outcome {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return .wouldBlock }
        while true {
            let n = Glibc.read(descriptor, base, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .ended }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .ended
            }
        }
    }
}
