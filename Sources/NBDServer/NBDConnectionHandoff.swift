#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Logging
import NBDProtocol
import NIOCore

/// A connection in transmission, moving to the event loop its export works on
/// (`NBDEventLoopExport.preferredEventLoop`). NIO cannot move a channel between loops, so the
/// server hands the socket over instead: it duplicates the descriptor, closes its channel (which
/// only deregisters and closes its own descriptor; the socket stays open through the copy) and
/// registers the copy as a new channel on the export's loop, whose handler carries on with this
/// state. The client notices nothing: the move happens after the export opened and before the
/// GO (or EXPORT_NAME) reply is sent, and a client sends no request before that reply.
struct NBDConnectionHandoff: Sendable {
    var stateMachine: NBDConnectionStateMachine
    var decoder: NBDClientMessageDecoder
    /// Bytes received and not decoded yet (a client that did not wait for the reply).
    var cumulation: ByteBuffer?
    var export: any NBDExport
    var client: NBDClientIdentity
    /// The reply that starts transmission, sent by the new channel first.
    var reply: ByteBuffer
    var logger: Logger
}

/// Registers a handed-over socket on `loop` with a handler that continues from `handoff`; the
/// future fails if the socket could not be registered (the caller then closes the export).
typealias NBDConnectionAdopter = @Sendable (_ handoff: NBDConnectionHandoff, _ descriptor: CInt, _ loop: any EventLoop) -> EventLoopFuture<Void>

/// Finds the descriptor of a NIO channel's socket, which NIO does not expose: the kernel gives
/// every socket a unique cookie (SO_COOKIE, Linux 4.12+), readable through the channel, and the
/// process's descriptor with the same cookie is the channel's.
enum ChannelSocketDescriptor {
    static let soCookie: CInt = 57  // SO_COOKIE in <asm-generic/socket.h>

    /// The socket's cookie; nil if the channel has no socket or the kernel does not tell.
    static func cookie(of channel: any Channel) -> EventLoopFuture<UInt64?> {
        guard let provider = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let cookie: EventLoopFuture<UInt64> = provider.unsafeGetSocketOption(
            level: NIOBSDSocket.OptionLevel(rawValue: SOL_SOCKET), name: NIOBSDSocket.Option(rawValue: soCookie))
        return cookie.map { Optional($0) }.recover { _ in nil }
    }

    /// The descriptor in this process whose socket has `cookie`, or nil.
    static func descriptor(withCookie cookie: UInt64) -> CInt? {
        guard cookie != 0, let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        let own = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = CInt(name), fd != own else { continue }
            var value: UInt64 = 0
            var length = socklen_t(MemoryLayout<UInt64>.size)
            if getsockopt(fd, SOL_SOCKET, soCookie, &value, &length) == 0, length == MemoryLayout<UInt64>.size, value == cookie {
                return fd
            }
        }
        return nil
    }
}
