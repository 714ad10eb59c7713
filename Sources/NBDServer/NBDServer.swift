import IdlePolling
import ListenerSupport
import Logging
import NBDProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Listens for NBD clients on unix sockets and TCP and serves the exports of a registry.
/// Each connection gets its own `NBDServerHandler`; a misbehaving client only ever closes its
/// own connection.
public final class NBDServer: Sendable {
    public let registry: NBDExportRegistry
    public let configuration: NBDConnectionStateMachine.Configuration
    private let group: any EventLoopGroup
    private let logger: Logger
    private let channels = NIOLockedValueBox(Channels())
    /// The longest busy-poll of a loop's connections before it sleeps (`NBDLoopIdlePoll`), 0: never.
    public let idlePollMaxMicroseconds: Int
    /// One idle poll per event loop that serves connections, made with its first connection.
    private let idlePolls = NIOLockedValueBox([ObjectIdentifier: NBDLoopIdlePoll]())

    private struct Channels {
        var listeners: [any Channel] = []
        var connections: [ObjectIdentifier: any Channel] = [:]
        var closed = false
    }

    public init(registry: NBDExportRegistry,
                configuration: NBDConnectionStateMachine.Configuration = .init(),
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger = Logger(label: "tandem.nbd"),
                idlePollMaxMicroseconds: Int = 0) {
        self.registry = registry
        self.configuration = configuration
        self.group = group
        self.logger = logger
        self.idlePollMaxMicroseconds = max(0, idlePollMaxMicroseconds)
    }

    /// The idle poll of `eventLoop`, nil when polling is off (or the kernel refused an epoll
    /// descriptor: then the loop just sleeps, as without polling).
    private func idlePoll(for eventLoop: any EventLoop) -> NBDLoopIdlePoll? {
        guard idlePollMaxMicroseconds > 0 else { return nil }
        let logger = self.logger
        let policy = IdleSpinPolicy(maxNanoseconds: UInt64(idlePollMaxMicroseconds) * 1000)
        return idlePolls.withLockedValue { polls in
            if let poll = polls[ObjectIdentifier(eventLoop)] { return poll }
            do {
                let poll = try NBDLoopIdlePoll(eventLoop: eventLoop, policy: policy)
                polls[ObjectIdentifier(eventLoop)] = poll
                return poll
            } catch {
                logger.warning("NBD connections are not busy-polled: \(error)")
                return nil
            }
        }
    }

    /// What the idle polls of this server's loops did so far: polls that took a request as it
    /// landed, and polls that ran out.
    public func idlePollCounts() async -> (caught: Int, missed: Int) {
        var caught = 0, missed = 0
        for poll in idlePolls.withLockedValue({ Array($0.values) }) {
            let counts = try? await poll.eventLoop.submit { (poll.pollsCaught, poll.pollsMissed) }.get()
            caught += counts?.0 ?? 0; missed += counts?.1 ?? 0
        }
        return (caught, missed)
    }

    /// Listens on a unix socket; a stale socket file at `path` is replaced.
    @discardableResult
    public func listen(unixSocket path: String) async throws -> SocketAddress {
        let channel = try await bootstrap().bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
        return try register(listener: channel)
    }

    /// Listens on TCP; port 0 picks a free port, which the returned address shows. The socket
    /// is close-on-exec (ListeningSocket): a child process spawned by anything in this process
    /// must not keep the port listening after `close`.
    @discardableResult
    public func listen(host: String, port: Int) async throws -> SocketAddress {
        let socket = try ListeningSocket.open(host: host, port: port)
        // From here NIO owns the descriptor and closes it, also when this fails.
        let channel = try await bootstrap().withBoundSocket(socket).get()
        return try register(listener: channel)
    }

    /// Stops listening and closes every connection (clients see their connection drop).
    public func close() async {
        let all = channels.withLockedValue { state -> [any Channel] in
            state.closed = true
            return state.listeners + Array(state.connections.values)
        }
        for channel in all {
            try? await channel.close()  // already-closed channels are fine here
        }
    }

    private func register(listener channel: any Channel) throws -> SocketAddress {
        let accepted = channels.withLockedValue { state -> Bool in
            guard !state.closed else { return false }
            state.listeners.append(channel)
            return true
        }
        guard accepted else {
            channel.close(promise: nil)
            throw ChannelError.ioOnClosedChannel
        }
        guard let address = channel.localAddress else { throw ChannelError.ioOnClosedChannel }
        logger.info("NBD server listening on \(address)")
        return address
    }

    static let socketSendBufferBytes: SocketOptionValue = 4 << 20

    private func bootstrap() -> ServerBootstrap {
        let registry = self.registry
        let configuration = self.configuration
        let logger = self.logger
        let channels = self.channels
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                let admitted = channels.withLockedValue { state -> Bool in
                    guard !state.closed else { return false }
                    state.connections[id] = channel
                    return true
                }
                guard admitted else { return channel.close() }
                channel.closeFuture.whenComplete { _ in
                    channels.withLockedValue { _ = $0.connections.removeValue(forKey: id) }
                }
                // Only TCP has TCP_NODELAY; on a unix socket the option is refused, which is fine.
                let nodelay = channel.setOption(.socketOption(.tcp_nodelay), value: 1).flatMapErrorThrowing { _ in }
                // A send buffer that holds several large READ replies: a 1 MiB reply then leaves
                // in one writev instead of five rounds of "partial write, wait until writable"
                // (the default unix socket buffer is ~200 KiB). The kernel caps it at wmem_max.
                let sendBuffer = nodelay.flatMap {
                    channel.setOption(.socketOption(.so_sndbuf), value: NBDServer.socketSendBufferBytes).flatMapErrorThrowing { _ in }
                }
                return sendBuffer.flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        NBDServerHandler(registry: registry, configuration: configuration, logger: logger,
                                         idlePoll: self.idlePoll(for: channel.eventLoop)))
                }
            }
    }
}
