import DescriptorIO
import Synchronization

/// TCP ports for tests that listen on 127.0.0.1 (replication listeners and the peers a test plays).
///
/// Tests used to pick `Int.random(in:)` ports: two tests running in parallel could draw the same
/// one, and a draw inside the kernel's ephemeral range (32768–60999 by default) could meet a port an
/// outgoing connection had just taken — the CI gate failed once on "Address already in use". Here
/// ports are handed out in turn from one random start per test process, so no two tests of a
/// process share one, always below the ephemeral range, and skipping any port a socket on this
/// machine (another process, a TIME_WAIT) already uses.
public enum TestPorts {
    /// The first port handed out from here on; a random start keeps two test processes apart.
    private static let next = Mutex<Int>(Int.random(in: lowest..<26000))

    /// The first of `count` consecutive ports (a node and the peers after it) that no socket on
    /// this machine uses and that this process has not handed out before.
    public static func reserve(_ count: Int = 1) -> Int {
        precondition(count >= 1 && count <= 64, "TestPorts.reserve: \(count) ports asked for")
        let floor = ephemeralFloor()
        let inUse = portsInUse()
        return next.withLock { port in
            guard let found = firstFree(count: count, from: port, below: floor, inUse: inUse) else {
                preconditionFailure("TestPorts.reserve: no \(count) free consecutive ports below \(floor)")
            }
            port = found.next
            return found.first
        }
    }

    /// The lowest port handed out; a search that reaches `floor` starts again here.
    public static let lowest = 20000

    /// The first `count` consecutive ports from `start` on, all below `floor` (the ephemeral
    /// range's first port) and none in `inUse`, and where the next search starts. Apart from
    /// `reserve`'s process-wide state so that a test can hand it the ports in use.
    public static func firstFree(count: Int, from start: Int, below floor: Int, inUse: Set<Int>) -> (first: Int, next: Int)? {
        var port = start
        for _ in 0..<1000 {
            if port + count > floor { port = lowest }
            let first = port
            port += count
            if !(first..<first + count).contains(where: inUse.contains) { return (first, port) }
        }
        return nil
    }

    /// The lowest port the kernel gives to outgoing connections.
    private static func ephemeralFloor() -> Int {
        let range = KernelFileReader.text("/proc/sys/net/ipv4/ip_local_port_range") ?? ""
        let low = range.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.flatMap { Int($0) } ?? 32768
        return max(low, 21000)
    }

    /// Local ports of every IPv4 and IPv6 TCP socket on this machine, in any state.
    private static func portsInUse() -> Set<Int> {
        Set(["/proc/net/tcp", "/proc/net/tcp6"].flatMap { ListenerProbe.tcpTable($0).map(\.localPort) })
    }
}
