import NIOCore
import Synchronization

/// Every connection a listener accepted, from the moment its child initializer wraps it in an
/// `NIOAsyncChannel` until the accept loop takes it (and runs it with `executeThenClose`).
///
/// Why: NIO's async `ServerBootstrap.bind` runs the child initializer and only then yields the
/// wrapped child into the server's inbound sequence. When the listener is closed in between (a
/// resource going down or restarting while a peer redials, a satellite stopping while a
/// controller dials), NIO drops the wrapped child, and an `NIOAsyncChannel` released without its
/// outbound writer finished is a fatal error ("Deinited NIOAsyncWriter without calling
/// finish()", from the child's `channelActive`). Holding each child here until it is taken keeps
/// it alive; `finishStragglers` then finishes and closes those the loop never got, and refuses
/// (closes) any accepted after it.
public final class AcceptedChannels<Inbound: Sendable, Outbound: Sendable>: Sendable {
    public typealias Child = NIOAsyncChannel<Inbound, Outbound>

    private struct State {
        var pending: [ObjectIdentifier: Child] = [:]
        var closed = false
    }

    private let state = Mutex(State())

    public init() {}

    /// For the child initializer (on the child's event loop): wraps the channel and records it,
    /// under the lock, so `finishStragglers` sees every child wrapped before it. After
    /// `finishStragglers` the channel is closed unwrapped instead and this throws.
    public func admit(_ channel: any Channel, wrap: (any Channel) throws -> Child) throws -> Child {
        let child = try state.withLock { state throws -> Child? in
            guard !state.closed else { return nil }
            let child = try wrap(channel)
            state.pending[ObjectIdentifier(channel)] = child
            return child
        }
        guard let child else {
            channel.close(promise: nil)
            throw ChannelError.ioOnClosedChannel
        }
        return child
    }

    /// The accept loop got `child`: from now on whoever runs it finishes it.
    public func take(_ child: Child) {
        _ = state.withLock { $0.pending.removeValue(forKey: ObjectIdentifier(child.channel)) }
    }

    /// After the accept loop ended (the listener is closed): closes every accepted child the loop
    /// never got, and every one accepted from now on.
    public func finishStragglers() async {
        let stragglers = state.withLock { state -> [Child] in
            state.closed = true
            defer { state.pending = [:] }
            return Array(state.pending.values)
        }
        for child in stragglers {
            try? await child.executeThenClose { _, _ in }
        }
    }

    public var pendingCount: Int { state.withLock { $0.pending.count } }
}
