import CTandemIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// posix_spawn + poll: runs one child in its own process group, drains its stdout and stderr
/// while it runs, and kills the whole group at the deadline (a shell's children included, so
/// a hung `sleep` under `sh -c` cannot hold the pipes open past the timeout).
enum ChildProcess {
    enum Ending { case exited(Int32), timedOut }
    struct SpawnError: Error { var message: String }

    static func run(executable: String, arguments: [String], environment: [String: String], timeoutSeconds: Double,
                    stdout: BoundedCollector, stderr: BoundedCollector) throws(SpawnError) -> Ending {
        let outPipe = try closeOnExecPipe()
        let errPipe: [Int32]
        do { errPipe = try closeOnExecPipe() } catch { close(outPipe[0]); close(outPipe[1]); throw error }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Redundant with the pipes' close-on-exec and closeInheritedDescriptors; kept so that
        // closing the child's copies does not rest on how the pipes were made.
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        // Only stdin/out/err reach the tool: an inherited listening socket (NIO does not make
        // its sockets close-on-exec) would keep this process's port in LISTEN while an lvm or
        // zfs command runs, and a restart of that listener fails with "Address already in use".
        closeInheritedDescriptors(&actions)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp)
        close(outPipe[1]); close(errPipe[1])
        defer { close(outPipe[0]); close(errPipe[0]) }
        guard rc == 0 else { throw SpawnError(message: String(cString: strerror(rc))) }

        let deadline = monotonicSeconds() + timeoutSeconds
        var open: [(fd: Int32, sink: BoundedCollector)] = [(outPipe[0], stdout), (errPipe[0], stderr)]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = 0
        var reaped = false
        while true {
            if !reaped, waitpid(pid, &status, WNOHANG) == pid { reaped = true }
            // Done when the child is gone and its pipes are drained (or only a grandchild holds
            // them: then give up on the rest rather than wait for a daemon).
            if reaped && (open.isEmpty || monotonicSeconds() > deadline) { break }
            if monotonicSeconds() > deadline {
                kill(-pid, SIGKILL)
                waitpid(pid, &status, 0)
                drain(&open, &buffer)
                return .timedOut
            }
            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let waitMs = Int32(max(1, min(50, (deadline - monotonicSeconds()) * 1000)))
            if fds.isEmpty {
                usleep(UInt32(waitMs) * 1000)
                continue
            }
            guard poll(&fds, nfds_t(fds.count), waitMs) >= 0 || errno == EINTR else { break }
            var closed: [Int32] = []
            for p in fds where p.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    let sink = open.first { $0.fd == p.fd }!.sink
                    buffer.withUnsafeBytes { sink.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                } else if n == 0 || errno != EINTR {
                    closed.append(p.fd)
                }
            }
            open.removeAll { closed.contains($0.fd) }
        }
        if !reaped { waitpid(pid, &status, 0) }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, spelled out: the C macros are not imported.
        let signal = status & 0x7f
        return .exited(signal == 0 ? (status >> 8) & 0xff : 128 + signal)
    }

    /// A pipe whose ends are close-on-exec: a child that another thread of this process spawns
    /// meanwhile without closing what it inherits (ListenerTestSupport's `/bin/sleep` in the
    /// one test process, any spawner in a daemon) gets neither end. Holding the write end, it
    /// kept this command's output open after the command exited, and `run` polled until the
    /// command's deadline before it returned (the class of b54741c's test pipes;
    /// CommandRunnerTests). The child gets its own copies through `dup2`, which clears the flag.
    static func closeOnExecPipe() throws(SpawnError) -> [Int32] {
        var fds: [Int32] = [-1, -1]
        guard ctandem_pipe_cloexec(&fds) == 0 else { throw SpawnError(message: "pipe: \(errnoText())") }
        return fds
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc ≥ 2.34's `posix_spawn_file_actions_addclosefrom_np` (declared only under
    /// _GNU_SOURCE, which Swift's Glibc module does not see): looked up once at run time.
    nonisolated(unsafe) private static let addCloseFrom: AddCloseFrom? =
        dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }

    /// The child closes every descriptor from 3 up before it runs the tool.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let addCloseFrom, addCloseFrom(&actions, 3) == 0 { return }
        // Older C library: one close action per descriptor number (a closed one is skipped).
        for fd in 3..<Int32(min(4096, max(3, sysconf(Int32(_SC_OPEN_MAX))))) { posix_spawn_file_actions_addclose(&actions, fd) }
    }

    /// Reads whatever is already buffered in the pipes after the group was killed.
    private static func drain(_ open: inout [(fd: Int32, sink: BoundedCollector)], _ buffer: inout [UInt8]) {
        for entry in open {
            _ = fcntl(entry.fd, F_SETFL, O_NONBLOCK)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                guard n > 0 else { break }
                buffer.withUnsafeBytes { entry.sink.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
        }
    }

    private static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}
