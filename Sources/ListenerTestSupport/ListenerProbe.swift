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
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
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

    /// The rows of /proc/net/tcp: local port, state (hex, "0A" = LISTEN) and socket inode.
    private static func tcpTable() -> [(localPort: Int, state: Substring, inode: Substring)] {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return [] }
        return table.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 9, let colon = fields[1].lastIndex(of: ":"),
                  let port = Int(fields[1][fields[1].index(after: colon)...], radix: 16) else { return nil }
            return (port, fields[3], fields[9])
        }
    }
}
