import Glibc

/// A connected pair of unix stream sockets for tests that stand in for a channel's socket: the
/// code under test reads `reading` (non-blocking, as NIO's sockets are) and the test writes
/// the peer's bytes into `writing`. Both buffers hold 4 MiB, so writing a whole 1 MiB request
/// or frame never blocks the test. The test closes both descriptors. Used by the direct-read
/// tests of the NBD server and of the replication link.
public struct TestSocketPair {
    public let reading: CInt
    public let writing: CInt

    public init() throws(TestSocketPairError) {
        var fds: [CInt] = [0, 0]
        guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &fds) == 0 else { throw TestSocketPairError("socketpair: errno \(errno)") }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        var size: CInt = 4 << 20
        setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<CInt>.size))
        setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
        reading = fds[0]; writing = fds[1]
    }

    /// Writes all of `bytes` into `fd`.
    public static func send(_ bytes: UnsafeRawBufferPointer, to fd: CInt) throws(TestSocketPairError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
            guard n > 0 else { throw TestSocketPairError("write: errno \(errno)") }
            done += n
        }
    }

    /// Reads what is left in the non-blocking `fd`; how many bytes that was.
    public static func drain(_ fd: CInt) -> Int {
        var total = 0
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return total }
            total += n
        }
    }
}

public struct TestSocketPairError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
