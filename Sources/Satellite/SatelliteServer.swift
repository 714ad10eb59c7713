import ClusterWire
import ListenerSupport
import Logging
import NIOCore
import NIOPosix
import TandemModel

/// Accepts controller connections on the satellite port. One controller drives the node at a
/// time: a newly connected controller (a restarted one, or one that failed over) supersedes the
/// previous session, which is closed.
struct SatelliteServer: Sendable {
    let host: String
    let port: Int
    let agent: SatelliteAgent
    let log: Logger
    /// A controller must say hello this quickly, or the connection is dropped.
    static let helloTimeout: TimeAmount = .seconds(10)

    typealias Connection = NIOAsyncChannel<ClusterMessage, ClusterMessage>

    func run(onBound: @Sendable (SocketAddress?) -> Void = { _ in }) async throws {
        // A close-on-exec socket (ListeningSocket): a storage tool or other child spawned while
        // we listen must not keep the port after the satellite stops. And a controller dialing
        // while the listener closes must not kill the process (AcceptedChannels).
        let socket = try ListeningSocket.open(host: host, port: port)
        let accepted = AcceptedChannels<ClusterMessage, ClusterMessage>()
        // From here NIO owns the descriptor and closes it, also when this fails.
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            .bind(socket) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try accepted.admit(channel) { channel in
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(ClusterFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(ClusterFrameEncoder()))
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
            }
        onBound(server.channel.localAddress)
        log.info("satellite listening on \(host):\(port)")
        let sessions = SessionRegistry()
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        accepted.take(connection)
                        group.addTask { await serve(connection, sessions: sessions) }
                    }
                }
            }
        } catch {
            await accepted.finishStragglers()
            throw error
        }
        await accepted.finishStragglers()
    }

    private func serve(_ connection: Connection, sessions: SessionRegistry) async {
        let peer = connection.channel.remoteAddress.map { "\($0)" } ?? "unknown peer"
        let id = await sessions.next(closing: connection.channel)
        do {
            try await connection.executeThenClose { inbound, outbound in
                var messages = inbound.makeAsyncIterator()
                let channel = connection.channel
                let helloDeadline = channel.eventLoop.scheduleTask(in: Self.helloTimeout) { channel.close(promise: nil) }
                let first = try await messages.next()
                helloDeadline.cancel()
                guard case .hello(let hello)? = first else {
                    try await outbound.write(.goodbye(reason: "expected a hello first; this is a Tandem satellite"))
                    return
                }
                let mine = Hello(role: .satellite, nodeName: "")
                try await outbound.write(.hello(mine))
                if let problem = mine.incompatibility(with: hello) {
                    log.warning("refusing controller at \(peer): \(problem)")
                    try await outbound.write(.goodbye(reason: problem))
                    return
                }
                log.info("controller connected from \(peer) (tandem \(hello.softwareVersion)) for node '\(hello.nodeName)'")
                await sessions.activate(id)
                await agent.attach(id: id) { state in
                    try? await outbound.write(.actualState(state))
                }
                while let message = try await messages.next() {
                    switch message {
                    case .desiredState(let state): await agent.receive(state, session: id)
                    case .desiredDelta(let delta):
                        // A delta that does not fit: start over; the controller redials and
                        // sends the complete state.
                        if let problem = await agent.receive(delta, session: id) {
                            log.warning("controller at \(peer): \(problem); ending the session for a complete state")
                            try await outbound.write(.goodbye(reason: "\(problem); reconnect to send the complete desired state"))
                            return
                        }
                    case .ping(let n): try await outbound.write(.pong(n))
                    case .pong, .actualState: break
                    case .hello: throw SessionError("a second hello in one session")
                    case .goodbye(let reason):
                        log.info("controller at \(peer) said goodbye: \(reason)")
                        return
                    }
                }
            }
        } catch {
            log.notice("controller session from \(peer) ended: \(error)")
        }
        await agent.detach(id: id)
        await sessions.finished(id)
    }
}

struct SessionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Numbers sessions and closes the previous controller's connection when a new one takes over.
actor SessionRegistry {
    private var counter = 0
    private var channels: [Int: any Channel] = [:]
    private var active: Int?

    func next(closing channel: any Channel) -> Int {
        counter += 1
        channels[counter] = channel
        return counter
    }

    func activate(_ id: Int) {
        if let previous = active, previous != id { channels[previous]?.close(promise: nil) }
        active = id
    }

    func finished(_ id: Int) {
        channels[id] = nil
        if active == id { active = nil }
    }
}

