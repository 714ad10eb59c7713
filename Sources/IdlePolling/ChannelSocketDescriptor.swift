import Glibc
import NIOCore

/// Finds the descriptor of a NIO channel's socket, which NIO does not expose: the kernel gives
/// every socket a unique cookie (SO_COOKIE, Linux 4.12+), readable through the channel, and the
/// process's descriptor with the same cookie is the channel's. Works for unix and TCP sockets.
/// The descriptor stays the channel's: use it to watch readiness (poll, epoll), or to read it
/// the one way `ChannelSocketReader` describes; never to write or close it.
public enum ChannelSocketDescriptor {
    static let soCookie: CInt = 57  // SO_COOKIE in <asm-generic/socket.h>

    /// The socket's cookie; nil if the channel has no socket or the kernel does not tell.
    public static func cookie(of channel: any Channel) -> EventLoopFuture<UInt64?> {
        guard let provider = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        let cookie: EventLoopFuture<UInt64> = provider.unsafeGetSocketOption(
            level: NIOBSDSocket.OptionLevel(rawValue: SOL_SOCKET), name: NIOBSDSocket.Option(rawValue: soCookie))
        return cookie.map { Optional($0) }.recover { _ in nil }
    }

    /// The descriptor in this process whose socket has `cookie`, or nil.
    public static func descriptor(withCookie cookie: UInt64) -> CInt? {
        guard cookie != 0, let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        let own = dirfd(dir)
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let fd = CInt(name), fd != own else { continue }
            if self.cookie(ofDescriptor: fd) == cookie { return fd }
        }
        return nil
    }

    /// The cookie of the socket open as `fd`, nil when `fd` is no socket.
    public static func cookie(ofDescriptor fd: CInt) -> UInt64? {
        var value: UInt64 = 0
        var length = socklen_t(MemoryLayout<UInt64>.size)
        guard getsockopt(fd, SOL_SOCKET, soCookie, &value, &length) == 0, length == MemoryLayout<UInt64>.size else { return nil }
        return value
    }
}
