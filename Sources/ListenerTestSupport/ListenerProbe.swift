import DescriptorIO
import Foundation
import Glibc
import Synchronization

/// What listener tests need from outside the listener: clients that connect and hang up in a
/// tight loop, a child process that inherits this process's descriptors, and who holds a port.
/// Used only by test targets (engine replication listeners, the NBD TCP export, the satellite).
public enum ListenerProbe {
    /// Connects to 127.0.0.1:port and closes at once, over and over, until stopped.
    public final class Hammer: Sendable {
        public let stop = Atomic<Bool>(false)
        public let connects = Atomic<Int>(0)

        public init() {}

        public func run(port: Int) {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            while !stop.load(ordering: .relaxed) {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                guard fd >= 0 else { continue }
                let ok = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                if ok == 0 { connects.add(1, ordering: .relaxed) }
                close(fd)
                if ok != 0 { usleep(200) }  // not listening right now: don't spin a CPU
            }
        }

        /// `threads` threads running `run(port:)`.
        public func start(port: Int, threads: Int) {
            for _ in 0..<threads { Thread { self.run(port: port) }.start() }
        }
    }

    /// Runs `/bin/sleep seconds` the way plain spawning code does (posix_spawn, no file
    /// actions, like Foundation-free tool runners): the child inherits every descriptor of this
    /// process that is not close-on-exec. A thread reaps it.
    public static func spawnSleep(seconds: Int) {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("\(seconds)"), nil]
        defer { for p in argv { free(p) } }
        guard posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0 else { return }
        let child = pid
        Thread {
            var status: Int32 = 0
            waitpid(child, &status, 0)
        }.start()
    }

    /// Server-side sockets of `port` that are still open (ESTABLISHED or CLOSE_WAIT): an accepted
    /// connection nobody owns any more stays in one of these states for good.
    public static func openAcceptedSockets(port: Int) -> Int {
        tcpTable().filter { $0.localPort == port && ($0.state == "01" || $0.state == "08") }.count
    }

    /// Processes holding a socket that listens on `port` ("pid comm" each), for failure
    /// messages: who kept the port when a rebind was refused.
    public static func listeners(port: Int) -> [String] {
        let inodes = Set(tcpTable().filter { $0.localPort == port && $0.state == "0A" }.map { "socket:[\($0.inode)]" })
        guard !inodes.isEmpty else { return [] }
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        return pids.compactMap { pid in
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            guard fds.contains(where: { inodes.contains((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "") }) else { return nil }
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            return "\(pid) \(comm)"
        }
    }

    /// Sockets this process accepted on TCP `port` and holds ("socket:[inode]" each). The kernel
    /// completes a connection before `accept`: only one in this process's descriptor table has
    /// been accepted.
    public static func acceptedSockets(port: Int) -> Set<String> {
        let server = Set(tcpTable().filter { $0.localPort == port && $0.state == "01" }.map { "socket:[\($0.inode)]" })
        return server.intersection(openSockets(pid: getpid()))
    }

    /// Sockets this process accepted on the unix socket at `path` and holds. Accepted sockets
    /// carry the listener's path in /proc/net/unix; the listener itself is the one flagged
    /// __SO_ACCEPTCON (0x10000), and a client's end has no path.
    public static func acceptedSockets(unixPath: String) -> Set<String> {
        guard let table = KernelFileReader.text("/proc/net/unix") else { return [] }
        let server = table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8, fields[7] == unixPath, let flags = Int(fields[3], radix: 16), flags & 0x10000 == 0 else { return nil }
            return "socket:[\(fields[6])]"
        }
        return Set(server).intersection(openSockets(pid: getpid()))
    }

    /// Sockets of this process listening on TCP `port` (asked of each descriptor: SO_ACCEPTCONN
    /// and its own address), so a parallel test's sockets never count.
    public static func listeningSockets(port: Int) -> Set<String> {
        ownSockets { fd in isListening(fd) && address(of: fd, peer: false) == .tcp(port) }
    }

    /// Sockets of this process listening on the unix socket at `path`.
    public static func listeningSockets(unixPath path: String) -> Set<String> {
        ownSockets { fd in isListening(fd) && address(of: fd, peer: false) == .unix(path) }
    }

    /// Client sockets of this process connected to TCP `port` (their peer's port), e.g. an
    /// outgoing replication link or a controller's session to a satellite.
    public static func connectedSockets(toPort port: Int) -> Set<String> {
        ownSockets { fd in !isListening(fd) && address(of: fd, peer: true) == .tcp(port) }
    }

    /// Client sockets of this process connected to the unix socket at `path`: the kernel reports
    /// the listener's path as a client's peer name (an accepted socket's peer has none).
    public static func connectedSockets(toUnixPath path: String) -> Set<String> {
        ownSockets { fd in !isListening(fd) && address(of: fd, peer: true) == .unix(path) }
    }

    /// A client connection to 127.0.0.1:port, or -1. The caller closes it.
    public static func connect(port: Int) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, ok == 0 else { close(fd); return -1 }
        return fd
    }

    /// A client connection to the unix socket at `path`, or -1. The caller closes it.
    public static func connect(unixPath path: String) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { return -1 }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, ok == 0 else { close(fd); return -1 }
        return fd
    }

    /// Waits (up to 5 s) until `accepted` finds the one connection the server accepted, then
    /// spawns a child: nil when the child holds none of it, else what went wrong (named by
    /// `connection`, e.g. "the accepted admin connection").
    public static func inheritanceProblem(_ connection: String, accepted: () -> Set<String>) async throws -> String? {
        var sockets = accepted()
        for _ in 0..<250 where sockets.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
            sockets = accepted()
        }
        guard sockets.count == 1 else { return "\(sockets.count) sockets found for \(connection), expected 1" }
        let inherited = inheritedByChild(sockets)
        return inherited.isEmpty ? nil : "a child holds \(connection) \(inherited)"
    }

    /// Spawns `/bin/sleep` as plain spawning code does (posix_spawn, no file actions) and returns
    /// which of `sockets` the child holds after its exec. posix_spawn returns once the child has
    /// exec'd, so close-on-exec descriptors are already gone from it. The child is killed and
    /// reaped before this returns.
    public static func inheritedByChild(_ sockets: Set<String>) -> Set<String> {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { for p in argv { free(p) } }
        guard posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0 else { return sockets }
        defer {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        return sockets.intersection(openSockets(pid: pid))
    }

    private enum BoundAddress: Equatable {
        case tcp(Int)
        case unix(String)
    }

    /// The "socket:[inode]" of each descriptor of this process that `matches`.
    private static func ownSockets(_ matches: (Int32) -> Bool) -> Set<String> {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return Set(fds.compactMap { name -> String? in
            guard let fd = Int32(name), matches(fd),
                  let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(name)"),
                  target.hasPrefix("socket:") else { return nil }
            return target
        })
    }

    private static func isListening(_ fd: Int32) -> Bool {
        var value: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &value, &size) == 0 && value != 0
    }

    /// A socket's own (or its peer's) TCP port or unix path; nil for anything else.
    private static func address(of fd: Int32, peer: Bool) -> BoundAddress? {
        var storage = sockaddr_storage()
        var size = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { peer ? getpeername(fd, $0, &size) : getsockname(fd, $0, &size) }
        }
        guard ok == 0 else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            let port = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port } }
            return .tcp(Int(UInt16(bigEndian: port)))
        case AF_INET6:
            let port = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port } }
            return .tcp(Int(UInt16(bigEndian: port)))
        case AF_UNIX:
            let path = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_un.self, capacity: 1) { un in
                    withUnsafeBytes(of: un.pointee.sun_path) { raw in String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self) }
                }
            }
            return .unix(path)
        default:
            return nil
        }
    }

    /// The "socket:[inode]" targets of a process's open descriptors.
    private static func openSockets(pid: pid_t) -> Set<String> {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        return Set(fds.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)") }
            .filter { $0.hasPrefix("socket:") })
    }

    /// The rows of a kernel TCP socket table (`/proc/net/tcp`, or `/proc/net/tcp6`): local port,
    /// state (hex, "0A" = LISTEN) and socket inode.
    static func tcpTable(_ file: String = "/proc/net/tcp") -> [(localPort: Int, state: Substring, inode: Substring)] {
        guard let table = KernelFileReader.text(file) else { return [] }
        return table.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 9, let colon = fields[1].lastIndex(of: ":"),
                  let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16) else { return nil }
            return (port, fields[3], fields[9])
        }
    }
}
