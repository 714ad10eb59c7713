import CTandemIO
import Glibc

/// A set of sockets watched for "something to read" with an epoll descriptor of its own, so
/// that a thread can busy-poll them (`spin`) without sleeping. It only watches: the sockets
/// belong to whoever reads them (an event loop, which sees the same data arrive in its own
/// epoll set). A socket closed by its owner leaves the set by itself (the kernel drops an epoll
/// registration with the last descriptor of its file). Not thread-safe: one thread uses it.
public final class SocketReadinessSet {
    private let epollDescriptor: CInt

    /// Fails with the errno text when the kernel refuses another epoll descriptor.
    public init() throws(SocketReadinessError) {
        let fd = ctandem_epoll_create()
        guard fd >= 0 else { throw SocketReadinessError("epoll_create1: \(String(cString: strerror(errno)))") }
        epollDescriptor = fd
    }

    deinit { close(epollDescriptor) }

    /// Watches `fd` for readable data (and hang-ups, which also end a spin); false if the
    /// kernel refused it (not a pollable descriptor).
    @discardableResult
    public func add(_ fd: CInt) -> Bool {
        ctandem_epoll_watch_readable(epollDescriptor, fd) == 0 || errno == EEXIST
    }

    /// Stops watching `fd`; nothing happens when it is not watched (or already closed).
    public func remove(_ fd: CInt) {
        _ = ctandem_epoll_unwatch(epollDescriptor, fd)
    }

    /// Polls the set without sleeping until a socket has something to read (`.ready`) or
    /// `nanoseconds` have passed (`.timedOut`). It gives up (`.preempted`) as soon as one round
    /// of polling took longer than `preemptedAfterNanoseconds`: the thread lost its CPU to
    /// another, so the CPU is contended and polling takes CPU time others are waiting for (and,
    /// under a fair scheduler, the thread's own priority for its next wake-up).
    ///
    /// It never yields the CPU on purpose: on a loaded machine `sched_yield` hands it to another
    /// thread for a whole time slice (milliseconds), and a client woken on this CPU preempts the
    /// poll anyway (each poll is a system call, where the kernel switches to it).
    public func spin(nanoseconds: UInt64, preemptedAfterNanoseconds: UInt64 = 20_000) -> SpinOutcome {
        var last = MonotonicClock.nanoseconds()
        let deadline = last &+ nanoseconds
        while true {
            if ctandem_epoll_ready_now(epollDescriptor) > 0 { return .ready }
            let now = MonotonicClock.nanoseconds()
            if now &- last > preemptedAfterNanoseconds { return .preempted }
            if now >= deadline { return .timedOut }
            last = now
        }
    }

    public enum SpinOutcome: Sendable, Equatable {
        case ready, timedOut, preempted
    }
}

public struct SocketReadinessError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// CLOCK_MONOTONIC in nanoseconds (a vDSO call, no system call).
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }
}
