import Glibc
import NIOCore

/// A TCP listening socket created close-on-exec, for `ServerBootstrap.bind(_ socket:)`. Every
/// TCP listener of Tandem opens its socket here: the engine's replication listeners, its NBD TCP
/// export, the satellite's controller port.
///
/// Why not `ServerBootstrap.bind(host:port:)`: NIO creates its sockets without `SOCK_CLOEXEC`,
/// so every child process spawned by anything in this process while the listener is open
/// (posix_spawn/fork without closing descriptors: an LVM/ZFS tool run, `losetup`, a test's
/// `sh -c`) inherits the listening socket and keeps it in LISTEN for its whole life. Closing
/// our channel then does not free the port, and the next bind of it (a resource's `up` or
/// restarting `adjust`, a restarted engine or satellite) fails with "Address already in use" —
/// measured in ListenerTeardownTests: a `sleep 3` spawned mid-churn held the closed listener
/// until it exited. Close-on-exec drops our copy from the child at its `exec`. Since
/// CCloseOnExecSockets makes every `socket()` of the executable close-on-exec, NIO's own
/// sockets are too; this one asks for the flag itself, so it does not depend on that link-time
/// replacement.
public enum ListeningSocket {
    public static let backlog: Int32 = 256

    /// Socket bound to host:port and listening, non-blocking, close-on-exec, SO_REUSEADDR (a
    /// restart rebinds while the previous listener's connections sit in TIME_WAIT).
    /// Throws `IOError` (EADDRINUSE when the port is taken) and closes what it opened.
    public static func open(host: String, port: Int) throws -> NIOBSDSocket.Handle {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        let family: Int32
        switch address {
        case .v4: family = AF_INET
        case .v6: family = AF_INET6
        default: throw IOError(errnoCode: EAFNOSUPPORT, reason: "listen on \(address)")
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
        var one: Int32 = 1
        guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw closing(fd, IOError(errnoCode: errno, reason: "setsockopt(SO_REUSEADDR)"))
        }
        let bound = address.withSockAddr { pointer, size in Glibc.bind(fd, pointer, socklen_t(size)) }
        guard bound == 0 else { throw closing(fd, IOError(errnoCode: errno, reason: "bind(\(address))")) }
        guard Glibc.listen(fd, backlog) == 0 else { throw closing(fd, IOError(errnoCode: errno, reason: "listen(\(address))")) }
        return fd
    }

    private static func closing(_ fd: Int32, _ error: IOError) -> IOError {
        close(fd)
        return error
    }
}
