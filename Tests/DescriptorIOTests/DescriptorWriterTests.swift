@testable import DescriptorIO
import CTandemIO
import Foundation
import Glibc
import Synchronization
import Testing

/// Signals the writer thread takes while it writes (the handler only counts).
private let interruptions = Atomic<Int>(0)

@Suite("DescriptorWriter", .serialized)
struct DescriptorWriterTests {
    /// A pipe whose reader drains `total` bytes slowly, 4 KiB at a time, on its own thread.
    final class SlowReader: @unchecked Sendable {
        let readEnd: Int32
        let writeEnd: Int32
        private var received: [UInt8] = []
        private let done = DispatchSemaphore(value: 0)

        init() {
            var fds: [Int32] = [-1, -1]
            precondition(ctandem_pipe_cloexec(&fds) == 0)
            readEnd = fds[0]; writeEnd = fds[1]
        }

        func start(expecting total: Int) {
            Thread {
                var chunk = [UInt8](repeating: 0, count: 4096)
                while self.received.count < total {
                    let n = chunk.withUnsafeMutableBytes { read(self.readEnd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    self.received += chunk[0..<n]
                    usleep(200)  // slower than the writer: the pipe stays full
                }
                self.done.signal()
            }.start()
        }

        /// Everything read: closes the write end, so a reader still waiting for bytes that never
        /// came sees the end of the pipe instead of waiting forever.
        func result() -> [UInt8] {
            close(writeEnd)
            done.wait()
            return received
        }

        deinit { close(readEnd) }
    }

    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 12) } }

    /// A signal handler installed without SA_RESTART makes a blocked pipe write return early
    /// with what it wrote so far: a single `write` would lose the rest.
    @Test func signalsInterruptingAFullPipeLoseNoBytes() throws {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in _ = interruptions.add(1, ordering: .relaxed) }
        action.sa_flags = 0  // no SA_RESTART: interrupted writes return instead of resuming
        var previous = sigaction()
        sigaction(SIGUSR1, &action, &previous)
        defer { sigaction(SIGUSR1, &previous, nil) }
        interruptions.store(0, ordering: .relaxed)

        let data = Self.pattern(2 << 20)
        let pipe = SlowReader()
        pipe.start(expecting: data.count)
        let writer = Mutex<pthread_t?>(nil)
        let finished = Atomic<Bool>(false)
        // The writer thread stays alive until the signalling stops, so no signal targets a
        // thread that has ended.
        let signallingStopped = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<Void, DescriptorWriter.Failure>?>(nil)
        let thread = Thread {
            // Threads started from the test's (dispatch) thread inherit its mask, which blocks
            // SIGUSR1: the signal would stay pending and never interrupt anything.
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGUSR1)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            writer.withLock { $0 = pthread_self() }
            outcome.withLock { $0 = Result { () throws(DescriptorWriter.Failure) in try DescriptorWriter.writeAll(data, to: pipe.writeEnd) } }
            finished.store(true, ordering: .releasing)
            signallingStopped.wait()
        }
        thread.start()
        while !finished.load(ordering: .acquiring) {
            if let target = writer.withLock({ $0 }) { pthread_kill(target, SIGUSR1) }
            usleep(500)
        }
        signallingStopped.signal()
        let received = pipe.result()
        #expect(interruptions.load(ordering: .relaxed) > 0, "the writer was interrupted while the pipe was full")
        #expect(throws: Never.self) { try outcome.withLock { $0 }!.get() }
        // Compared outside #expect: on a failure it would diff two 2 MiB arrays for the message.
        let same = received == data
        #expect(received.count == data.count)
        #expect(same, "every byte arrived once, in order")
    }

    /// A descriptor someone else made non-blocking answers EAGAIN when full; the writer waits
    /// for room instead of giving up.
    @Test func aNonBlockingFullPipeIsWaitedFor() throws {
        let data = Self.pattern(1 << 20)
        let pipe = SlowReader()
        #expect(fcntl(pipe.writeEnd, F_SETFL, fcntl(pipe.writeEnd, F_GETFL) | O_NONBLOCK) == 0)
        pipe.start(expecting: data.count)
        try DescriptorWriter.writeAll(data, to: pipe.writeEnd)
        let received = pipe.result()
        let same = received == data
        #expect(received.count == data.count)
        #expect(same, "every byte arrived once, in order")
    }

    /// A closed reader is an error that says so, with the count written before it.
    @Test func aClosedReaderIsAClearError() throws {
        signal(SIGPIPE, SIG_IGN)  // else the test process dies of SIGPIPE instead of seeing EPIPE
        var fds: [Int32] = [-1, -1]
        // Close-on-exec: a child that a test running beside this one spawns in between would
        // otherwise inherit the read end and keep the pipe open, and the write would succeed
        // (the CI gate failed so once).
        #expect(ctandem_pipe_cloexec(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        #expect(throws: DescriptorWriter.Failure(errno: EPIPE, written: 0)) {
            try DescriptorWriter.writeAll("status\n", to: fds[1])
        }
        let failure = DescriptorWriter.Failure(errno: EPIPE, written: 12)
        #expect(failure.description == "the reader closed the pipe (EPIPE) after 12 bytes")
    }

    /// A bad descriptor fails at once with its errno instead of looping. Not the number of one
    /// just closed: a test running beside this one can be given that number again at once.
    @Test func aBadDescriptorFails() {
        #expect(throws: DescriptorWriter.Failure(errno: EBADF, written: 0)) {
            try DescriptorWriter.writeAll("x", to: -1)
        }
    }
}
