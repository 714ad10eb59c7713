import Glibc
import NIOCore

/// A short, bounded busy wait for a peer's write ack before the Primary's event loop goes to
/// sleep. A protocol C write at queue depth 1 otherwise costs the Primary a sleep and a
/// wake-up for the ack (an inter-processor interrupt, and in a VM an exit and re-entry), on
/// top of the peer's own: tens of µs each on this kind of machine, most of the difference
/// between 2-replica and 1-replica latency. Spinning on `poll` of the link socket for at most
/// `budgetMicros` takes the ack as it lands; when it does not come in time the loop sleeps
/// as before, so the CPU spent is bounded per wait.
///
/// NIO does not expose a channel's descriptor; `descriptor(of:)` finds it among this
/// process's sockets by the connection's two addresses (each TCP connection's pair is unique).
/// Only `poll` is ever done on it, never a read: the channel still owns it. A descriptor
/// number reused after the link closed would only end a wait early.
enum LinkAckWait {
    /// The longest busy wait per sleep avoided, in µs.
    static let budgetMicros: UInt64 = {
        if let text = getenv("TANDEM_LINK_SPIN_US"), let value = UInt64(String(cString: text)) { return min(value, 2000) }
        return 0
    }()

    /// The descriptor of `channel`'s socket, or nil when it cannot be found.
    static func descriptor(of channel: any Channel) -> Int32? {
        guard let local = channel.localAddress, let remote = channel.remoteAddress,
              let localPort = local.port, let remotePort = remote.port else { return nil }
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard let fd = Int32(name), fd > 2 else { continue }
            if matches(fd, peer: false, port: localPort, ip: local.ipAddress),
               matches(fd, peer: true, port: remotePort, ip: remote.ipAddress) {
                return fd
            }
        }
        return nil
    }

    private static func matches(_ fd: Int32, peer: Bool, port: Int, ip: String?) -> Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let got = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length)
            }
        }
        guard got == 0 else { return false }
        let address: SocketAddress
        switch Int32(storage.ss_family) {
        case AF_INET: address = withUnsafeBytes(of: storage) { SocketAddress($0.load(as: sockaddr_in.self), host: "") }
        case AF_INET6: address = withUnsafeBytes(of: storage) { SocketAddress($0.load(as: sockaddr_in6.self), host: "") }
        default: return false
        }
        return address.port == port && address.ipAddress == ip
    }

    /// Polls `descriptors` until one is readable or `budgetMicros` have passed; true when one
    /// became readable.
    static func spin(on descriptors: [Int32]) -> Bool {
        guard budgetMicros > 0, !descriptors.isEmpty else { return false }
        var fds = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let deadline = now() + budgetMicros * 1000
        repeat {
            if poll(&fds, nfds_t(fds.count), 0) > 0 { return true }
        } while now() < deadline
        return false
    }

    private static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }
}
