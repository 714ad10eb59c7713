import IdlePolling
import NIOCore

/// The NBD connections of one event loop and when that loop may busy-poll them before it
/// sleeps (`IdleSpinPolicy`, `SocketReadinessSet`): only when none of them has a command
/// executing (their replies are all out), so no completion waits behind a poll, and for at most
/// the policy's window. A request on any of them ends the poll at once; the loop's other work
/// (replication links, timers, tasks from other threads) waits at most one window.
///
/// Used on its event loop only (every method checks), like the handlers that call it.
final class NBDLoopIdlePoll: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let sockets: SocketReadinessSet
    private var policy: IdleSpinPolicy
    /// Connections with a command executing (each handler counts itself at most once).
    private var busyConnections = 0
    /// When the loop's connections last all became idle; nil while one is busy or a request
    /// arrived since.
    private var idleSince: UInt64?
    private var pollScheduled = false
    /// Polls that took a request as it landed, and polls that ran out (for tests and tuning).
    private(set) var pollsCaught = 0
    private(set) var pollsMissed = 0

    init(eventLoop: any EventLoop, policy: IdleSpinPolicy) throws {
        self.eventLoop = eventLoop
        self.sockets = try SocketReadinessSet()
        self.policy = policy
    }

    /// Watches a connection's socket (found by its cookie) from now on.
    func watch(_ channel: any Channel) {
        ChannelSocketDescriptor.cookie(of: channel).whenSuccess { [self] cookie in
            // The channel may have closed while the cookie was read: its number may be reused.
            guard channel.isActive, let cookie, let fd = ChannelSocketDescriptor.descriptor(withCookie: cookie) else { return }
            sockets.add(fd)
        }
    }

    /// Bytes arrived on one of the connections: the idle period (if any) is over.
    func inputArrived() {
        eventLoop.preconditionInEventLoop()
        guard let since = idleSince else { return }
        idleSince = nil
        policy.idleEnded(afterNanoseconds: MonotonicClock.nanoseconds() &- since)
    }

    /// A connection started executing commands (it had none).
    func connectionBecameBusy() {
        eventLoop.preconditionInEventLoop()
        busyConnections += 1
        idleSince = nil
    }

    /// A busy connection closed.
    func connectionLeft() {
        eventLoop.preconditionInEventLoop()
        busyConnections -= 1
    }

    /// Whether the loop polls when it next goes idle (so a connection need not find out whether
    /// its client waits for each reply when it would not poll anyway).
    var mayPoll: Bool { policy.windowNanoseconds > 0 }

    /// A connection has no command executing any more and its replies are flushed, after serving
    /// `requestsServed` requests since it was last idle; when it was the last busy one, the loop
    /// may poll once the work already queued on it is done.
    ///
    /// Not after more than one request: a client that sends several before it waits for the
    /// replies (queue depth > 1) mostly has its next one on the way already, which the loop's
    /// own next look at its sockets finds without sleeping; a poll would only add a system call
    /// per batch (measured: 4k writes at queue depth 32 cost 1.5 µs more each with it).
    ///
    /// Nor when the client does not wait for a reply (`clientWaitsForReplies` false): it had
    /// not read every earlier reply when this one was sent (see `SocketOutputQueue`), so it has
    /// other requests in flight and is only behind on reading; or it is in the middle of
    /// sending a request. Polling for the first kind took each request as it landed, so every
    /// busy period served one and the poll stayed on, and the client paid for a reply per
    /// request (session 8: fio at depth 32 ran 55-58k IOPS in such runs against 77-79k with
    /// polling off, where the loop slept and requests came 15 to a read).
    func connectionBecameIdle(wasBusy: Bool, requestsServed: Int, clientWaitsForReplies: Bool = true) {
        eventLoop.preconditionInEventLoop()
        if wasBusy { busyConnections -= 1 }
        guard busyConnections == 0 else { return }
        if idleSince == nil { idleSince = MonotonicClock.nanoseconds() }
        guard requestsServed <= 1, clientWaitsForReplies, policy.windowNanoseconds > 0, !pollScheduled else { return }
        pollScheduled = true
        eventLoop.execute { [self] in
            pollScheduled = false
            // A request came (or a command started) while this waited its turn.
            guard busyConnections == 0, idleSince != nil, policy.windowNanoseconds > 0 else { return }
            switch sockets.spin(nanoseconds: policy.windowNanoseconds) {
            case .ready: pollsCaught += 1
            case .timedOut: pollsMissed += 1
            case .preempted: pollsMissed += 1; policy.pollWasPreempted()
            }
        }
    }
}
