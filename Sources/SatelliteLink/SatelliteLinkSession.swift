import ClusterWire
import ControllerCore
import NIOCore
import NIOPosix
import Synchronization
import TandemModel

/// The controller's connection to one satellite over TCP: dials, says hello, checks versions,
/// forwards desired states, relays actual states, keeps the link alive with pings, and redials
/// with exponential back-off whenever the connection is lost, until `close()`.
public final class SatelliteLinkSession: Sendable {
    public struct Options: Sendable {
        public var reconnectDelayMin: Duration = .milliseconds(250)
        public var reconnectDelayMax: Duration = .seconds(10)
        public var connectTimeout: TimeAmount = .seconds(5)
        /// A satellite must answer the hello this quickly.
        public var helloTimeout: TimeAmount = .seconds(10)
        public var pingInterval: Duration = .seconds(5)
        /// No frame at all for this long and the link is considered dead.
        public var silenceMax: Duration = .seconds(20)
        /// Undelivered events kept for a slow consumer; the oldest go first (a newer actual
        /// state supersedes an older one).
        public var eventBufferMax = satelliteEventBufferMax
        public init() {}
    }

    public let node: String
    public let host: String
    public let port: Int
    public let events: AsyncStream<LinkEvent>

    private let options: Options
    private let continuation: AsyncStream<LinkEvent>.Continuation
    private let shared = Mutex(Shared())
    private struct Shared {
        var closed = false
        /// Desired states to send on the current connection: only the newest matters.
        var outgoing: AsyncStream<NodeDesiredState>.Continuation?
        var channel: (any Channel)?
        var task: Task<Void, Never>?
    }

    public init(node: String, host: String, port: Int, options: Options = Options()) {
        self.node = node; self.host = host; self.port = port; self.options = options
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(options.eventBufferMax))
        let task = Task { [self] in await self.maintain() }
        shared.withLock { $0.task = task }
    }

    /// Sends the node's complete desired state if connected; dropped otherwise (the controller
    /// pushes again on every `.connected`).
    public func push(_ desired: NodeDesiredState) {
        _ = shared.withLock { $0.outgoing?.yield(desired) }
    }

    public func close() {
        let (task, channel) = shared.withLock { s -> (Task<Void, Never>?, (any Channel)?) in
            s.closed = true
            s.outgoing?.finish()
            return (s.task, s.channel)
        }
        channel?.close(promise: nil)
        task?.cancel()
        continuation.finish()
    }

    private var isClosed: Bool { shared.withLock { $0.closed } }

    // MARK: connection loop

    private func maintain() async {
        var delay = options.reconnectDelayMin
        var lastReport: LinkEvent?
        func report(_ event: LinkEvent) {
            // Repeated identical failures while redialing are one event, not a flood.
            if case .actualState = event {} else if event == lastReport { return }
            lastReport = event
            continuation.yield(event)
        }
        while !isClosed && !Task.isCancelled {
            let outcome = await connectOnce(report: report)
            if isClosed { break }
            switch outcome {
            case .wasConnected(let reason):
                delay = options.reconnectDelayMin
                report(.disconnected(reason: reason))
            case .failed(let reason):
                report(.disconnected(reason: reason))
            case .incompatible:
                break
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, options.reconnectDelayMax)
        }
        continuation.finish()
    }

    private enum Outcome { case wasConnected(String), failed(String), incompatible }

    private typealias Connection = NIOAsyncChannel<ClusterMessage, ClusterMessage>

    private func connectOnce(report: (LinkEvent) -> Void) async -> Outcome {
        let connection: Connection
        do {
            connection = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(options.connectTimeout)
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ClusterFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(ClusterFrameEncoder()))
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            return .failed("cannot connect to the satellite at \(endpoint): \(Self.describe(error))")
        }
        let channel = connection.channel
        let endpoint = self.endpoint
        let registered = shared.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.channel = channel
            return true
        }
        guard registered else { channel.close(promise: nil); return .failed("closed") }
        defer { shared.withLock { $0.channel = nil; $0.outgoing?.finish(); $0.outgoing = nil } }

        var connected = false
        do {
            return try await connection.executeThenClose { inbound, outbound in
                let mine = Hello(role: .controller, nodeName: node)
                try await outbound.write(.hello(mine))
                var messages = inbound.makeAsyncIterator()
                let helloDeadline = channel.eventLoop.scheduleTask(in: options.helloTimeout) { channel.close(promise: nil) }
                let first = try await messages.next()
                helloDeadline.cancel()
                guard case .hello(let theirs)? = first else {
                    if case .goodbye(let reason)? = first { return .failed("the satellite at \(endpoint) refused the session: \(reason)") }
                    return .failed("the peer at \(endpoint) did not answer the hello; is a Tandem satellite listening there?")
                }
                if let problem = mine.incompatibility(with: theirs) {
                    report(.incompatibleVersion(satelliteVersion: theirs.softwareVersion, reason: problem))
                    try? await outbound.write(.goodbye(reason: problem))
                    return .incompatible
                }
                let (desiredStates, desiredContinuation) = AsyncStream<NodeDesiredState>.makeStream(bufferingPolicy: .bufferingNewest(1))
                shared.withLock { $0.outgoing = desiredContinuation }
                connected = true
                report(.connected(satelliteVersion: theirs.softwareVersion))

                let liveness = Liveness()
                return try await withThrowingTaskGroup(of: Void.self) { group in
                    let deltas = theirs.offers(.desiredDelta)
                    group.addTask {
                        // The first state of a connection goes complete; after that, a satellite that
                        // takes deltas gets only what changed since the state sent before (frames
                        // arrive in order, so that is the state it holds).
                        var sent: NodeDesiredState?
                        for await desired in desiredStates {
                            if deltas, let base = sent, let delta = Self.delta(from: base, to: desired) {
                                try await outbound.write(.desiredDelta(delta))
                            } else {
                                try await outbound.write(.desiredState(desired))
                            }
                            sent = desired
                        }
                    }
                    group.addTask { [options, endpoint] in
                        var nonce: UInt64 = 0
                        while !Task.isCancelled {
                            try await Task.sleep(for: options.pingInterval)
                            if ContinuousClock.now - liveness.lastHeard.withLock({ $0 }) > options.silenceMax {
                                liveness.silence.withLock { $0 = "the satellite at \(endpoint) sent nothing for \(options.silenceMax); connection dropped" }
                                channel.close(promise: nil)
                                return
                            }
                            nonce += 1
                            try await outbound.write(.ping(nonce))
                        }
                    }
                    defer {
                        group.cancelAll()
                        channel.close(promise: nil)
                    }
                    do {
                        while let message = try await messages.next() {
                            liveness.lastHeard.withLock { $0 = .now }
                            switch message {
                            case .actualState(let state): report(.actualState(state))
                            case .ping(let n): try await outbound.write(.pong(n))
                            case .goodbye(let reason): return .wasConnected("the satellite at \(endpoint) ended the session: \(reason)")
                            case .pong, .hello, .desiredState, .desiredDelta: break
                            }
                        }
                    } catch {
                        if let reason = liveness.silence.withLock({ $0 }) { return .wasConnected(reason) }
                        throw error
                    }
                    if let reason = liveness.silence.withLock({ $0 }) { return .wasConnected(reason) }
                    return .wasConnected("the satellite at \(endpoint) closed the connection")
                }
            }
        } catch {
            let reason = "connection to the satellite at \(endpoint) failed: \(Self.describe(error))"
            return connected ? .wasConnected(reason) : .failed(reason)
        }
    }

    /// The delta from `base` to `target`, or nil when the complete state is as good: the
    /// generation did not advance, or most resources changed anyway.
    static func delta(from base: NodeDesiredState, to target: NodeDesiredState) -> NodeDesiredDelta? {
        guard target.generation > base.generation else { return nil }
        let delta = NodeDesiredDelta(from: base, to: target)
        return delta.changeCount * 2 > max(target.resources.count, 1) ? nil : delta
    }

    private var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    static func describe(_ error: any Error) -> String {
        if let e = error as? WireError { return e.description }
        if let e = error as? IOError { return e.description }
        return "\(error)"
    }
}

/// When the satellite was last heard from, and why the keep-alive gave up (shared by the
/// reader and the pinger of one connection).
private final class Liveness: Sendable {
    let lastHeard = Mutex(ContinuousClock.now)
    let silence = Mutex<String?>(nil)
}
