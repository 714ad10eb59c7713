#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the CLI's output to standard output and standard error without trapping.
///
/// Foundation's `FileHandle.write(_:)` traps when the write fails, so `tandem r l > /dev/full`
/// (or a full disk) died with "Illegal instruction". A command line tool should instead say what
/// went wrong and exit with a status: a closed pipe ends the process as SIGPIPE would (what `head`
/// expects), any other failure of standard output is reported on standard error and exits 74
/// (EX_IOERR); a failing standard error has nowhere to report to and exits 74 silently.
public enum StandardStreams {
    public static let ioErrorExitCode: Int32 = 74

    public static func out(_ text: String) {
        if let errno = write(text, to: STDOUT_FILENO) {
            endAfterFailedWrite(errno, stream: "standard output", reportOnStderr: true)
        }
    }

    public static func err(_ text: String) {
        if let errno = write(text, to: STDERR_FILENO) {
            endAfterFailedWrite(errno, stream: "standard error", reportOnStderr: false)
        }
    }

    /// Writes all of `text`, retrying short writes and EINTR. Returns errno when it fails.
    static func write(_ text: String, to fd: Int32) -> Int32? {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                #if canImport(Glibc)
                Glibc.write(fd, buffer.baseAddress! + done, buffer.count - done)
                #else
                Darwin.write(fd, buffer.baseAddress! + done, buffer.count - done)
                #endif
            }
            if n > 0 { done += n; continue }
            if n < 0 && errno == EINTR { continue }
            return n < 0 ? errno : EIO
        }
        return nil
    }

    private static func endAfterFailedWrite(_ error: Int32, stream: String, reportOnStderr: Bool) -> Never {
        if error == EPIPE {
            // The reader went away (`tandem r l | head -1`): end the way an unhandled SIGPIPE
            // would, which is what shells and pipelines expect.
            signal(SIGPIPE, SIG_DFL)
            raise(SIGPIPE)
        }
        if reportOnStderr {
            _ = write("tandem: cannot write to \(stream): \(String(cString: strerror(error)))\n", to: STDERR_FILENO)
        }
        exit(ioErrorExitCode)
    }
}
