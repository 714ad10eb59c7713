import EngineConfig
import NIOCore
import NIOPosix
import ReplicationCore
import ReplicationWire

/// The second TCP connection of a link, for resync replies (`ReplicationHello.Lane`).
///
/// Why: with one stream per peer, an application write (and, the other way, its ack) waited in
/// the socket behind every 1 MiB resync reply ahead of it: 4k qd1 write p99 2.8-5.8 ms during a
/// resync against 0.4-1.0 ms after it (docs/engine-measurements.md, "Resync"). On their own
/// connection the replies queue in their own socket buffer, and the write only waits for the
/// receiving loop to finish the read it is in.
///
/// How the two are tied: the dialer (the lower node id) opens the main connection with a fresh
/// token, and once that link is up opens the resync connection with the same token. The
/// listener attaches it to the link whose token it names; a resync connection for any other
/// token (from before a reconnect, or from a stranger that guessed a node id) is refused with
/// an error naming the peer. The core knows one connection per peer, so the link is whole only
/// with both: if the resync connection does not come up within `helloTimeout`, or ends while
/// the link is up, the whole link is dropped and redialed.
extension ResourceRuntime {
    /// After the resync connection ends, how long the main one may still deliver what it has
    /// already received before the link is dropped: an orderly close by the peer (disconnect,
    /// down) closes its main connection first, and its last messages (a goodbye, a state
    /// change) must not be cut off by the resync connection's end arriving first.
    static let resyncLaneEndGrace: TimeAmount = .milliseconds(100)

    /// How long a listener waits for the main connection a resync connection names: the dialer
    /// opens it as soon as its side of the link is up, which can be a moment before this side's.
    static let resyncLaneMatchWait: TimeAmount = .seconds(2)

    /// Called when link `id` comes up: the dialer opens the resync connection; both sides drop
    /// the link if it is not attached in time.
    func expectResyncLane(_ key: LinkKey, _ id: UInt64) {
        if config.nodeId < Int(key.peer), let peer = config.peer(nodeId: Int(key.peer)), let token = links[key]?.connectionToken {
            Task { await self.dialResyncLane(key, id, token: token, peer: peer) }
        }
        loop.scheduleTask(in: Self.helloTimeout) {
            self.assumeIsolated { runtime in
                guard let link = runtime.links[key], link.id == id, link.resync == nil else { return }
                let who = runtime.config.peer(nodeId: Int(key.peer)).map { "\($0.nodeName) (node \(key.peer))" } ?? "node \(key.peer)"
                runtime.logger.error("replication link to \(who) volume \(key.volume): its resync connection did not come up within \(Self.helloTimeout.nanoseconds / 1_000_000_000) s; dropping the link to reconnect")
                runtime.linkDown(key, id)
            }
        }
    }

    /// Dialer side: opens the resync connection of link `id` and runs it until it ends.
    nonisolated func dialResyncLane(_ key: LinkKey, _ id: UInt64, token: UInt64, peer: ResourcePeerConfig) async {
        let lane: LinkChannel
        do {
            lane = try await connect(to: peer)
        } catch {
            // The link is dropped when its resync connection is not up in time (`expectResyncLane`).
            logger.warning("replication link to \(peer.nodeName) (\(peer.address)): cannot open its resync connection: \(error)")
            return
        }
        do {
            try await exchangeHellos(lane, sending: await ourHello(volume: key.volume, to: key.peer, lane: .resync, token: token)) { hello, iterator in
                guard hello.lane == .resync, hello.connectionToken == token, hello.senderNodeID.rawValue == key.peer,
                      hello.volume == key.volume else {
                    logger.error("replication link to \(peer.nodeName) (\(peer.address)): its resync connection was answered as node \(hello.senderNodeID) volume \(hello.volume), \(hello.lane) connection \(hello.connectionToken); expected node \(key.peer) volume \(key.volume), resync connection \(token); refused")
                    return
                }
                guard await attachResyncLane(key, id, lane.channel) else { return }
                await runResyncLane(key, id, lane.channel, inbound: &iterator)
            }
        } catch {
            logger.warning("replication link to \(peer.nodeName) (\(peer.address)): resync connection: \(error)")
        }
    }

    /// Listener side: a connection whose hello says it is a resync connection. Attached to the
    /// link its token names, once that link is up here (the dialer opens it as soon as its own
    /// side of the link is up, which can be a moment before this side's).
    nonisolated func acceptResyncLane(_ key: LinkKey, hello: ReplicationHello, lane: LinkChannel,
                                      outbound: NIOAsyncChannelOutboundWriter<ReplicationOutbound>,
                                      inbound: inout NIOAsyncChannelInboundStream<ReplicationInbound>.AsyncIterator,
                                      remote: String) async throws {
        let id: UInt64
        let match = await linkAwaitingResyncLane(key, token: hello.connectionToken)
        switch match {
        case .awaiting(let linkID): id = linkID
        case .attached, .none:
            let who = await config.peer(nodeId: Int(key.peer)).map { "\($0.nodeName) (node \(key.peer), \(remote))" } ?? "node \(key.peer) (\(remote))"
            if case .attached = match {
                logger.error("replication link from \(who) volume \(key.volume): refused a second resync connection for connection \(hello.connectionToken), which has one")
            } else {
                logger.error("replication link from \(who) volume \(key.volume): refused a resync connection for connection \(hello.connectionToken), which is not its current connection to this node (a connection from before a reconnect, or another engine using its node id)")
            }
            return
        }
        try await outbound.write(.hello(await ourHello(volume: key.volume, to: key.peer, lane: .resync, token: hello.connectionToken)))
        guard await attachResyncLane(key, id, lane.channel) else { return }
        await runResyncLane(key, id, lane.channel, inbound: &inbound)
    }

    enum LaneMatch { case awaiting(UInt64), attached }

    /// The link to `key` with connection token `token`: `.awaiting` its resync connection, or
    /// `.attached` when it has one; nil when no such link comes up within `resyncLaneMatchWait`.
    func linkAwaitingResyncLane(_ key: LinkKey, token: UInt64) async -> LaneMatch? {
        let deadline = NIODeadline.now() + Self.resyncLaneMatchWait
        while !stopped && NIODeadline.now() < deadline {
            if let link = links[key], link.connectionToken == token {
                return link.resync == nil ? .awaiting(link.id) : .attached
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Makes `channel` link `id`'s resync connection and starts delivering what it brings;
    /// false (the caller closes it) when the link is gone or already has one.
    func attachResyncLane(_ key: LinkKey, _ id: UInt64, _ channel: any Channel) -> Bool {
        guard var link = links[key], link.id == id, link.resync == nil, channel.eventLoop === loop else { return false }
        do {
            let handler = try channel.pipeline.syncOperations.handler(type: LinkDeliveryHandler.self)
            let context = try channel.pipeline.syncOperations.context(handlerType: LinkDeliveryHandler.self)
            link.resync = LinkLane(channel: channel, loop: loop)
            links[key] = link
            handler.arm(context: context) { messages in
                self.assumeIsolated { $0.deliverFromResyncLane(key, id, messages) }
            }
            try Self.readLargeFramesDirectly(channel)
            // Which socket it is, for an operator (or a test) looking at `ss`.
            let local = channel.localAddress.map(Self.addressText) ?? "?", remote = channel.remoteAddress.map(Self.addressText) ?? "?"
            logger.info("replication link to node \(key.peer) volume \(key.volume): resync connection \(local) -> \(remote) attached")
        } catch {
            logger.error("replication link to node \(key.peer) volume \(key.volume): resync connection cannot deliver messages (\(error)); closing it")
            return false
        }
        return true
    }

    /// Only resync replies travel on the resync connection; anything else is a peer that does
    /// not follow the protocol, and the link is dropped.
    func deliverFromResyncLane(_ key: LinkKey, _ id: UInt64, _ messages: [PeerMessage]) -> Bool {
        for message in messages {
            guard case .resyncReply = message else {
                guard links[key]?.id == id else { return false }
                let who = config.peer(nodeId: Int(key.peer)).map { "\($0.nodeName) (node \(key.peer))" } ?? "node \(key.peer)"
                notePeer(key.peer, "\(who) sent a \(message.name) message on its resync connection, which carries resync replies only; dropping the link")
                linkDown(key, id)
                return false
            }
        }
        return deliver(key, id, messages)
    }

    /// Waits for the resync connection to end (its messages are delivered by its
    /// `LinkDeliveryHandler`; the stream sees nothing after the hello), then drops the link.
    nonisolated func runResyncLane(_ key: LinkKey, _ id: UInt64, _ channel: any Channel,
                                   inbound: inout NIOAsyncChannelInboundStream<ReplicationInbound>.AsyncIterator) async {
        do {
            while let item = try await inbound.next() {
                if case .hello = item { throw ReplicationWireError(peer: "node \(key.peer)", reason: "sent a second hello on its resync connection") }
            }
        } catch {
            if await !stopped { logger.warning("replication link to node \(key.peer) volume \(key.volume): resync connection dropped: \(error)") }
        }
        await resyncLaneEnded(key, id, channel)
    }

    func resyncLaneEnded(_ key: LinkKey, _ id: UInt64, _ channel: any Channel) {
        guard let link = links[key], link.id == id, link.resync?.channel === channel else { return }
        loop.scheduleTask(in: Self.resyncLaneEndGrace) {
            self.assumeIsolated { runtime in
                guard runtime.links[key]?.id == id, !runtime.stopped else { return }
                runtime.logger.warning("replication link to node \(key.peer) volume \(key.volume): its resync connection ended; dropping the link to reconnect")
                runtime.linkDown(key, id)
            }
        }
    }
}
