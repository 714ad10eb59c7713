@testable import Engine
import EngineConfig
import Foundation
import Glibc
import Logging
import NBDServer
import NIOPosix
import Synchronization
import Testing

/// A resource's replication listener is closed whenever the resource goes down or restarts
/// (`down`, an `adjust` that changes what cannot change in place, a volume grow). Peers redial
/// all the time, so connections are accepted right up to the close. NIO wraps each accepted
/// connection in an `NIOAsyncChannel` before handing it to the accept loop, and drops it when
/// the listener closed in between; an `NIOAsyncChannel` dropped without being run or finished
/// kills the process ("Deinited NIOAsyncWriter without calling finish()"). This test takes the
/// resource down, up and through restarting adjusts while several clients connect in a tight
/// loop; before the fix it crashed (NIOAsyncWriter.swift:177 from NIOAsyncChannelHandler.channelActive)
/// in two of three runs of 60 rounds and every run of 400.
@Suite("Replication listener teardown")
struct ListenerTeardownTests {
    /// Connects to 127.0.0.1:port and closes at once, over and over, until stopped.
    final class Hammer: Sendable {
        let stop = Atomic<Bool>(false)
        let connects = Atomic<Int>(0)

        func run(port: Int) {
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
    }

    static func resourceFile(dir: String, port: Int, alExtents: Int) -> String {
        """
        resource churn {
            options { al-extents \(alExtents); }
            volume 0 {
                size 8MiB;
                minor 1001;
                disk \(dir)/d0.img;
            }
            on beta {
                node-id 1;
                address 127.0.0.1:\(port);
            }
            peer alpha {
                node-id 0;
                address 127.0.0.1:\(port + 1);
            }
        }
        """
    }

    /// Server-side sockets of `port` that are still open (ESTABLISHED or CLOSE_WAIT): an accepted
    /// connection nobody owns any more stays in one of these states for good.
    static func openAcceptedSockets(port: Int) -> Int {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return 0 }
        let local = String(format: ":%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let fields = line.split(separator: " ")
            guard fields.count > 3 else { return false }
            return fields[1].hasSuffix(local) && (fields[3] == "01" || fields[3] == "08")
        }.count
    }

    /// Runs `/bin/sleep seconds` the way plain spawning code does (posix_spawn, no file
    /// actions, like Foundation-free tool runners): the child inherits every descriptor of this
    /// process that is not close-on-exec. A thread reaps it.
    static func spawnSleep(seconds: Int) {
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

    /// Processes holding a socket that listens on `port` ("pid comm" each), for the failure
    /// message: who kept the port when a rebind was refused.
    static func listeners(port: Int) -> [String] {
        guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return [] }
        let local = String(format: ":%04X", port)
        let inodes = Set(table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[1].hasSuffix(local), fields[3] == "0A" else { return nil }
            return "socket:[\(fields[9])]"
        })
        guard !inodes.isEmpty else { return [] }
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.filter { Int($0) != nil } ?? []
        return pids.compactMap { pid in
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            guard fds.contains(where: { inodes.contains((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "") }) else { return nil }
            let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            return "\(pid) \(comm)"
        }
    }

    @Test func restartsWhilePeersConnectNeverDropAnAcceptedConnection() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-churn-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 8 << 20)))
        // Below the ephemeral range (32768–60999 on Linux): a client socket of any test running in
        // parallel — or one of the hammer's own connects to a port nobody listens on, which TCP
        // may complete to itself — could otherwise hold this port as its local port, and every
        // `up` would then fail to bind it.
        let port = Int.random(in: 20000...29000)
        let file = dir + "/resources/churn.res"
        try Self.resourceFile(dir: dir, port: port, alExtents: 1237).write(toFile: file, atomically: true, encoding: .utf8)
        let s = EngineSupervisor(layout: EngineStateLayout(stateDirectory: dir), registry: NBDExportRegistry(),
                                 nbdSocketPath: nil, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))

        let hammer = Hammer()
        let threads = (0..<3).map { _ in Thread { hammer.run(port: port) } }
        for t in threads { t.start() }
        defer { hammer.stop.store(true, ordering: .relaxed) }

        // Anything in the engine's process may spawn a child while a listener is open (tool
        // runs; in `swift test`, other suites). The child outlives the resource's restart by
        // more than the rebind's ~2 s of retries: it must not hold the closed listener.
        for round in 0..<300 {
            let upError = await s.up("churn")
            #expect(upError == nil, "up: \(upError ?? ""); listening: \(Self.listeners(port: port))")
            if round == 30 || round == 150 { Self.spawnSleep(seconds: 3) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...5)))
            if round % 3 == 1 {
                // al-extents cannot change in place: adjust restarts the resource (down + up).
                try Self.resourceFile(dir: dir, port: port, alExtents: round % 2 == 0 ? 1237 : 1500)
                    .write(toFile: file, atomically: true, encoding: .utf8)
                let adjustError = await s.adjust("churn")
                #expect(adjustError == nil, "adjust: \(adjustError ?? ""); listening: \(Self.listeners(port: port))")
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...5)))
            }
            await s.down("churn")
        }
        hammer.stop.store(true, ordering: .relaxed)
        await s.stopAll()
        #expect(hammer.connects.load(ordering: .relaxed) > 100, "the clients got connections accepted while the listener came and went")
        // Every connection accepted before a close was run or closed: none is left open.
        var open = Self.openAcceptedSockets(port: port)
        for _ in 0..<100 where open > 0 {
            try await Task.sleep(for: .milliseconds(20))
            open = Self.openAcceptedSockets(port: port)
        }
        #expect(open == 0, "accepted connections nobody closed")
    }
}
