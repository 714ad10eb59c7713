import Foundation
import Glibc
import Testing
@testable import IdlePolling

@Suite struct SocketReadinessSetTests {
    /// A connected pair of unix stream sockets, closed by `close`.
    struct Pair {
        let a: CInt, b: CInt
        init() throws {
            var fds: [CInt] = [-1, -1]
            guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &fds) == 0 else { throw SocketReadinessError("socketpair failed") }
            a = fds[0]; b = fds[1]
        }
        func send(_ byte: UInt8 = 7) { var value = byte; _ = write(b, &value, 1) }
        func close() { _ = Glibc.close(a); _ = Glibc.close(b) }
    }

    @Test func aSpinWithNothingToReadRunsItsWholeWindowAndSaysSo() throws {
        let pair = try Pair(); defer { pair.close() }
        let set = try SocketReadinessSet()
        #expect(set.add(pair.a))
        let start = MonotonicClock.nanoseconds()
        #expect(set.spin(nanoseconds: 2_000_000, preemptedAfterNanoseconds: .max) == .timedOut)
        #expect(MonotonicClock.nanoseconds() - start >= 2_000_000)
    }

    @Test func dataAlreadyWaitingEndsTheSpinAtOnceAndIsLeftForItsOwner() throws {
        let pair = try Pair(); defer { pair.close() }
        let set = try SocketReadinessSet()
        set.add(pair.a)
        pair.send(42)
        let start = MonotonicClock.nanoseconds()
        #expect(set.spin(nanoseconds: 10_000_000_000) == .ready)
        #expect(MonotonicClock.nanoseconds() - start < 5_000_000_000)
        // Watching never consumes: the byte is still there for whoever reads the socket.
        var byte: UInt8 = 0
        #expect(read(pair.a, &byte, 1) == 1 && byte == 42)
    }

    @Test func dataArrivingDuringTheSpinEndsIt() throws {
        let pair = try Pair(); defer { pair.close() }
        let set = try SocketReadinessSet()
        set.add(pair.a)
        // The writer is a thread of its own: a task could wait for the very (cooperative) thread
        // this test spins on.
        let writer = Thread { usleep(20_000); pair.send() }
        writer.start()
        let start = MonotonicClock.nanoseconds()
        #expect(set.spin(nanoseconds: 20_000_000_000, preemptedAfterNanoseconds: .max) == .ready)
        #expect(MonotonicClock.nanoseconds() - start < 10_000_000_000)  // long before the window
    }

    @Test func aRoundOfPollingLongerThanTheLimitGivesUp() throws {
        let pair = try Pair(); defer { pair.close() }
        let set = try SocketReadinessSet()
        set.add(pair.a)
        // A limit no round of polling can keep (a system call and a clock read take longer
        // than 1 ns), as when the thread loses its CPU to another for a while.
        #expect(set.spin(nanoseconds: 1_000_000_000, preemptedAfterNanoseconds: 1) == .preempted)
    }

    @Test func aRemovedOrClosedSocketNoLongerEndsASpin() throws {
        let watched = try Pair(), dropped = try Pair(); defer { watched.close() }
        let set = try SocketReadinessSet()
        set.add(watched.a); set.add(dropped.a)
        set.remove(watched.a)
        watched.send()
        dropped.close()  // closing leaves the set by itself (and its peer's hang-up is not seen)
        #expect(set.spin(nanoseconds: 1_000_000, preemptedAfterNanoseconds: .max) == .timedOut)
        #expect(set.add(-1) == false)
    }

    @Test func aChannelsDescriptorIsFoundByItsSocketCookie() throws {
        let pair = try Pair(); defer { pair.close() }
        let cookieA = try #require(ChannelSocketDescriptor.cookie(ofDescriptor: pair.a))
        let cookieB = try #require(ChannelSocketDescriptor.cookie(ofDescriptor: pair.b))
        #expect(cookieA != cookieB)
        #expect(ChannelSocketDescriptor.descriptor(withCookie: cookieA) == pair.a)
        #expect(ChannelSocketDescriptor.descriptor(withCookie: cookieB) == pair.b)
        #expect(ChannelSocketDescriptor.descriptor(withCookie: 0) == nil)
        #expect(ChannelSocketDescriptor.cookie(ofDescriptor: 0) == nil || isSocket(0))
    }

    private func isSocket(_ fd: CInt) -> Bool {
        var st = stat()
        return fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
    }
}
