import Foundation
import Synchronization
@testable import StorageProviders
import Testing

@Suite struct CommandRunnerTests {
    let runner = CommandRunner(timeoutSeconds: 10)

    @Test func capturesStdout() throws {
        let out = try runner.run("sh", ["-c", "echo hello; echo warn >&2"])
        #expect(out.stdout == "hello\n")
        #expect(out.stderr == "warn\n")
        #expect(out.exitStatus == 0)
    }

    @Test func failureCarriesCommandLineStatusAndStderr() {
        do {
            try runner.run("sh", ["-c", "echo 'Volume group \"vg0\" not found' >&2; exit 5"])
            Issue.record("exit 5 must throw")
        } catch {
            #expect(error.ending == .exited(5))
            #expect(error.description.contains("exit status 5"))
            #expect(error.description.contains("Volume group \"vg0\" not found"))
            #expect(error.description.contains("sh -c"))
        }
    }

    @Test func timeoutKillsTheCommand() {
        let quick = CommandRunner(timeoutSeconds: 0.5)
        let start = Date()
        do {
            try quick.run("sh", ["-c", "echo started >&2; sleep 30"])
            Issue.record("a 30 s sleep must time out")
        } catch {
            #expect(error.ending == .killedByTimeout(seconds: 0.5))
            #expect(error.stderr.contains("started"))
        }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func toolInheritsNoDescriptorButStdio() throws {
        // Not close-on-exec, like NIO's sockets: a tool that kept one would keep a listening
        // port of this process open after we closed it.
        let fd = open("/dev/null", O_RDONLY)
        #expect(fd > 2)
        defer { close(fd) }
        let out = try runner.run("sh", ["-c", "[ -e /proc/$$/fd/\(fd) ] && echo inherited || echo closed; [ -e /proc/$$/fd/2 ] && echo stderr"])
        #expect(out.stdout == "closed\nstderr\n")
    }

    @Test func pipesAreNotInheritedByChildrenSpawnedMeanwhile() throws {
        // Another thread spawns children that inherit every descriptor not marked close-on-exec
        // (as ListenerTestSupport's `/bin/sleep` does) while short commands run. One spawned
        // between a command's pipe() and its runner closing the write end keeps that end open
        // for its 2 s, and the command's run returns only when it exits (mutation: plain pipe()
        // makes a run take 2.0 s in 3 runs of 3). At most `sleepersMax` children: each lives 2 s.
        let sleepersMax = 100
        let sleepers = Mutex<[pid_t]>([])
        let spawner = Thread {
            let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("2"), nil]
            defer { for p in argv { free(p) } }
            for _ in 0 ..< sleepersMax {
                var pid: pid_t = 0
                if posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0 { sleepers.withLock { $0.append(pid) } }
                usleep(1000)
            }
        }
        spawner.start()
        var slowest = 0.0, runs = 0
        while !spawner.isFinished, runs < 200 {
            let start = Date()
            let out = try runner.run("sh", ["-c", "echo done"])
            slowest = max(slowest, Date().timeIntervalSince(start))
            runs += 1
            #expect(out.stdout == "done\n")
        }
        while !spawner.isFinished { usleep(1000) }
        let pids = sleepers.withLock { $0 }
        for pid in pids { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }
        #expect(pids.count == sleepersMax && runs > 0, "\(pids.count) children spawned beside \(runs) commands")
        #expect(slowest < 1.5, "a run took \(slowest) s: a child spawned meanwhile held its output pipe")
    }

    @Test func closeOnExecPipeMarksBothEnds() throws {
        let fds = try ChildProcess.closeOnExecPipe()
        defer { close(fds[0]); close(fds[1]) }
        for fd in fds { #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0, "descriptor \(fd) is inherited by every exec") }
    }

    @Test func missingToolIsNamed() {
        do {
            try runner.run("tandem-no-such-tool", [])
            Issue.record("a missing tool must throw")
        } catch {
            guard case .notInstalled = error.ending else { Issue.record("\(error)"); return }
            #expect(error.description.contains("tandem-no-such-tool"))
            #expect(error.description.contains("not installed"))
        }
    }

    @Test func outputIsBounded() throws {
        // 6 MiB on stdout must neither block the child nor be kept whole.
        let out = try runner.run("sh", ["-c", "head -c 6291456 /dev/zero | tr '\\0' x"])
        #expect(out.stdout.utf8.count <= CommandRunner.stdoutBytesMax + 8)
        #expect(out.stdout.hasSuffix("[…]"))
    }

    @Test func toolTablesParse() {
        #expect(ToolTable.rows("  104857600 52428800\n\n") == [["104857600", "52428800"]])
        #expect(ToolTable.bytes("104857600.00") == 104857600)
        #expect(ToolTable.bytes("abc") == nil)
        #expect(ToolTable.percent("12.50") == 12.5)
        #expect(ToolTable.percent(nil) == nil)
        #expect(ToolTable.percent("") == nil)
    }
}
