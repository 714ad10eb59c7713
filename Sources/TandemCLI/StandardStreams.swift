#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DescriptorIO

/// Writes the CLI's output to standard output and standard error without trapping.
///
/// Foundation's `FileHandle.write(_:)` traps when the write fails, so `tandem r l > /dev/full`
/// (or a full disk) died with "Illegal instruction". A command line tool should instead say what
/// went wrong and exit with a status: a closed pipe ends the process as SIGPIPE would (what `head`
/// expects), any other failure of standard output is reported on standard error and exits 74
/// (EX_IOERR); a failing standard error has nowhere to report to and exits 74 silently.
public enum StandardStreams {
    static let ioErrorExitCode: Int32 = 74

    public static func out(_ text: String) {
        do { try DescriptorWriter.writeAll(text, to: STDOUT_FILENO) } catch {
            endAfterFailedWrite(error, stream: "standard output", reportOnStderr: true)
        }
    }

    public static func err(_ text: String) {
        do { try DescriptorWriter.writeAll(text, to: STDERR_FILENO) } catch {
            endAfterFailedWrite(error, stream: "standard error", reportOnStderr: false)
        }
    }

    private static func endAfterFailedWrite(_ failure: DescriptorWriter.Failure, stream: String, reportOnStderr: Bool) -> Never {
        if failure.errno == EPIPE {
            // The reader went away (`tandem r l | head -1`): end the way an unhandled SIGPIPE
            // would, which is what shells and pipelines expect.
            signal(SIGPIPE, SIG_DFL)
            raise(SIGPIPE)
        }
        if reportOnStderr {
            try? DescriptorWriter.writeAll("tandem: cannot write to \(stream): \(String(cString: strerror(failure.errno)))\n", to: STDERR_FILENO)
        }
        exit(ioErrorExitCode)
    }
}
