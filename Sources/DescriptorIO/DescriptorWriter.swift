#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a whole byte sequence to a file descriptor: the one loop every command-line writer of
/// Tandem uses (standard output and error, the monitor's screen, the workload's log).
///
/// Why a loop at all: `write(2)` may write less than asked — a signal arriving while a pipe or
/// terminal is full returns the count written so far (or EINTR when nothing was), and a
/// descriptor someone else made non-blocking (a shared terminal, a parent's pipe) returns EAGAIN
/// when full. A single unchecked `write` then silently cuts the output short.
public enum DescriptorWriter {
    /// A write that failed, with what the kernel said.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let errno: Int32
        /// Bytes written before the failure.
        public let written: Int

        public var description: String {
            switch errno {
            case EPIPE: "the reader closed the pipe (EPIPE) after \(written) bytes"
            case ENOSPC: "no space left on the device (ENOSPC) after \(written) bytes"
            default: "\(String(cString: strerror(errno))) (errno \(errno)) after \(written) bytes"
            }
        }
    }

    /// Writes all of `bytes` to `fd`: retries after EINTR and short writes, waits with poll when
    /// a non-blocking descriptor is full. Throws on any other error, and on a descriptor that
    /// accepts nothing (a write of 0 bytes), which would otherwise loop forever.
    public static func writeAll(_ bytes: [UInt8], to fd: Int32) throws(Failure) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                #if canImport(Glibc)
                Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                #else
                Darwin.write(fd, buffer.baseAddress! + done, buffer.count - done)
                #endif
            }
            if n > 0 { done += n; continue }
            if n == 0 { throw Failure(errno: EIO, written: done) }
            let error = errno
            switch error {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: waitUntilWritable(fd)
            default: throw Failure(errno: error, written: done)
            }
        }
    }

    /// The UTF-8 bytes of `text`, written as `writeAll` writes.
    public static func writeAll(_ text: String, to fd: Int32) throws(Failure) {
        try writeAll(Array(text.utf8), to: fd)
    }

    /// Blocks until `fd` can take more bytes (or reports an error, which the next write returns).
    private static func waitUntilWritable(_ fd: Int32) {
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        while poll(&entry, 1, -1) < 0 && errno == EINTR {}
    }
}
