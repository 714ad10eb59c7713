/// How long an event loop busy-polls its sockets before it goes to sleep, adapted to how soon
/// the next request actually comes, as Linux's haltpoll governor adapts a vCPU's poll window.
///
/// Why poll at all: a thread that sleeps in `epoll_wait` is woken by the kernel when a request
/// arrives, and when the CPU it slept on is idle that costs an inter-processor interrupt and,
/// in a VM, an exit and re-entry of that vCPU (tens of µs on this project's test machines).
/// A client at queue depth 1 pays it on every request. Polling for a short while after the
/// reply takes the next request as it lands, with no wake-up at all.
///
/// Why adapt: a poll that ends without a request is CPU spent for nothing. So the window grows
/// (doubling from `initialNanoseconds`) while requests come within `maxNanoseconds` of the
/// loop going idle, and halves (to off, below `initialNanoseconds`) each time one does not:
/// a client that pauses, or a loop starved of CPU by other work, stops the polling by itself,
/// and a poll that misses costs at most the current window.
public struct IdleSpinPolicy: Sendable, Equatable {
    /// The window's first size when polling starts.
    public let initialNanoseconds: UInt64
    /// The longest window; idle periods longer than this turn polling down.
    public let maxNanoseconds: UInt64
    /// How long to poll when the loop next goes idle; 0: do not poll, sleep at once.
    public private(set) var windowNanoseconds: UInt64 = 0

    /// `maxNanoseconds` 0 never polls. The first window is an eighth of the largest (at least
    /// 1 µs, at most the largest).
    public init(maxNanoseconds: UInt64) {
        self.maxNanoseconds = maxNanoseconds
        self.initialNanoseconds = min(maxNanoseconds, max(maxNanoseconds / 8, 1000))
    }

    /// A poll gave up because the thread lost its CPU to another: the CPU is contended, so
    /// polling stops until idle periods are short again (and it grows back from the start).
    public mutating func pollWasPreempted() {
        windowNanoseconds = 0
    }

    /// An idle period ended after `idleNanoseconds` (from the loop going idle to the next
    /// request, polled for or woken up by).
    public mutating func idleEnded(afterNanoseconds idleNanoseconds: UInt64) {
        guard maxNanoseconds > 0, idleNanoseconds > windowNanoseconds else { return }  // off, or the poll caught it
        if idleNanoseconds <= maxNanoseconds {
            windowNanoseconds = windowNanoseconds == 0 ? initialNanoseconds : min(windowNanoseconds * 2, maxNanoseconds)
        } else {
            windowNanoseconds /= 2
            if windowNanoseconds < initialNanoseconds { windowNanoseconds = 0 }
        }
    }
}
