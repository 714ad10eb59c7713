#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a /proc or /sys file to its end: the one loop every reader of kernel tables in Tandem
/// uses (mounts, mountinfo, loop backing files, socket tables).
///
/// Why not Foundation's `String(contentsOfFile:)`: procfs reports a size of 0 and hands its text
/// out a page at a time; Foundation stops after the first read, so everything past about 4 KiB
/// is silently missing (measured: /proc/net/unix 4004 of 4287 bytes). On a node with many
/// mounts, /proc/mounts is longer than that.
public enum KernelFileReader {
    /// The file's text, read until end of file or `limit` bytes (a bound against a file that
    /// never ends); nil when it cannot be opened or read.
    public static func text(_ path: String, limit: Int = 4 << 20) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while bytes.count < limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            bytes += chunk[0..<min(n, limit - bytes.count)]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
