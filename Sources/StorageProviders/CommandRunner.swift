import Foundation

/// What an external command printed and how it ended.
public struct CommandOutput: Sendable, Equatable {
    public var exitStatus: Int32
    public var stdout: String
    public var stderr: String
}

/// A command that could not be run or did not succeed, with everything a person needs to see:
/// the exact command line, how it ended, and what it wrote to stderr.
public struct CommandError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Ending: Sendable, Equatable {
        case notInstalled(searched: [String])
        case couldNotStart(String)
        case exited(Int32)
        case killedByTimeout(seconds: Double)
    }
    public var commandLine: [String]
    public var ending: Ending
    public var stderr: String

    public var description: String {
        let line = commandLine.joined(separator: " ")
        let tail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        let detail = tail.isEmpty ? "" : ": \(tail)"
        switch ending {
        case .notInstalled(let searched):
            return "'\(commandLine.first ?? "")' is not installed (looked in \(searched.joined(separator: ":")))"
        case .couldNotStart(let why): return "could not start '\(line)': \(why)"
        case .exited(let status): return "'\(line)' failed with exit status \(status)\(detail)"
        case .killedByTimeout(let s): return "'\(line)' did not finish within \(Int(s)) s and was killed\(detail)"
        }
    }
}

/// The one way the satellite runs external tools (lvm2, zfs). Every run has a timeout, reads
/// stdout and stderr concurrently into bounded buffers (a chatty tool cannot exhaust memory or
/// block on a full pipe), and turns failure into a `CommandError` carrying stderr.
public struct CommandRunner: Sendable {
    /// Where tools are looked up after $PATH: lvm2 and zfs install into the sbin folders, which
    /// a non-login environment often leaves out of $PATH.
    public static let extraSearchPaths = ["/usr/local/sbin", "/usr/sbin", "/sbin"]
    /// Bounds on what is kept of a command's output.
    public static let stdoutBytesMax = 4 * 1024 * 1024
    public static let stderrBytesMax = 64 * 1024

    public var timeoutSeconds: Double
    /// Added to the environment of every command: C locale so outputs parse the same everywhere,
    /// and lvm2's warning about inherited descriptors silenced (it would drown the real error).
    public var environment: [String: String]

    public init(timeoutSeconds: Double = 60) {
        self.timeoutSeconds = timeoutSeconds
        self.environment = ["LC_ALL": "C", "LVM_SUPPRESS_FD_WARNINGS": "1"]
    }

    /// Full path of `tool`, or nil when it is not installed.
    public func locate(_ tool: String) -> String? {
        if tool.contains("/") { return FileManager.default.isExecutableFile(atPath: tool) ? tool : nil }
        for dir in searchPaths() {
            let candidate = dir + "/" + tool
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private func searchPaths() -> [String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        var dirs = path.split(separator: ":").map(String.init)
        for extra in Self.extraSearchPaths where !dirs.contains(extra) { dirs.append(extra) }
        return dirs
    }

    /// Runs the command and returns its output when it exits 0; throws otherwise.
    @discardableResult
    public func run(_ tool: String, _ arguments: [String], timeoutSeconds: Double? = nil) throws(CommandError) -> CommandOutput {
        let output = try runAllowingFailure(tool, arguments, timeoutSeconds: timeoutSeconds)
        guard output.exitStatus == 0 else {
            throw CommandError(commandLine: [tool] + arguments, ending: .exited(output.exitStatus), stderr: output.stderr)
        }
        return output
    }

    /// Runs the command and returns its output whatever the exit status; throws only when it
    /// could not run or ran out of time.
    public func runAllowingFailure(_ tool: String, _ arguments: [String], timeoutSeconds: Double? = nil) throws(CommandError) -> CommandOutput {
        let commandLine = [tool] + arguments
        guard let executable = locate(tool) else {
            throw CommandError(commandLine: commandLine, ending: .notInstalled(searched: searchPaths()), stderr: "")
        }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let limit = timeoutSeconds ?? self.timeoutSeconds
        let stdout = BoundedCollector(limit: Self.stdoutBytesMax, keepTail: false)
        let stderr = BoundedCollector(limit: Self.stderrBytesMax, keepTail: true)
        let ending: ChildProcess.Ending
        do {
            ending = try ChildProcess.run(executable: executable, arguments: arguments, environment: env,
                                          timeoutSeconds: limit, stdout: stdout, stderr: stderr)
        } catch {
            throw CommandError(commandLine: commandLine, ending: .couldNotStart(error.message), stderr: "")
        }
        switch ending {
        case .exited(let status):
            return CommandOutput(exitStatus: status, stdout: stdout.text, stderr: stderr.text)
        case .timedOut:
            throw CommandError(commandLine: commandLine, ending: .killedByTimeout(seconds: limit), stderr: stderr.text)
        }
    }
}

/// Collects at most `limit` bytes: the head of stdout (where the data is) or the tail of stderr
/// (where the final error is).
final class BoundedCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private var dropped = false
    let limit: Int
    let keepTail: Bool

    init(limit: Int, keepTail: Bool) { self.limit = limit; self.keepTail = keepTail }

    func append(_ chunk: UnsafeRawBufferPointer) {
        lock.lock(); defer { lock.unlock() }
        data.append(contentsOf: chunk)
        if data.count > limit {
            dropped = true
            data = keepTail ? Data(data.suffix(limit)) : Data(data.prefix(limit))
        }
    }

    var text: String {
        lock.lock(); defer { lock.unlock() }
        let s = String(decoding: data, as: UTF8.self)
        guard dropped else { return s }
        return keepTail ? "[…]" + s : s + "[…]"
    }
}
