import EngineConfig
import Glibc
import IdlePolling
import ListenerSupport
import NIOCore
import NIOPosix
import ReplicationCore
import ReplicationWire

/// Replication links: one connection per (volume, peer), full mesh, each of two TCP connections
/// (main, then resync: `ReplicationHello.Lane`, `ResourceRuntime+ResyncLane`). The node with
/// the lower id dials, the higher one listens, so two nodes never race with two connections.
/// Each side sends its `ReplicationHello` first and checks the other's (resource, node ids,
/// volume, size) before the core hears `.transportUp`.
extension ResourceRuntime {
    typealias LinkChannel = NIOAsyncChannel<ReplicationInbound, ReplicationOutbound>

    static let helloTimeout: TimeAmount = .seconds(5)

    /// Nothing reads a link's writability (what is queued on it is bounded by the core: client
    /// requests in flight, the resync window), but with NIO's default 64 KiB mark every burst
    /// of 4 KiB writes at depth turned the channel unwritable and back, each change passing
    /// through the async channel's writer under its lock (1.6 % of the Primary's CPU at depth
    /// 32). These marks sit above the bursts clients make (32 writes of 1 MiB), so they are
    /// not crossed in normal operation.
    static let linkWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 32 << 20, high: 64 << 20)

    /// How long `listen` retries a port that is in use (EADDRINUSE), 50 ms apart.
    static let rebindAttempts = 40

    func listen() async throws {
        let address = config.address
        var attempt = 0
        while true {
            do {
                // Links live on the runtime's own loop, so their messages reach the core without a
                // hop (LinkDeliveryHandler).
                let accepted = AcceptedChannels<ReplicationInbound, ReplicationOutbound>()
                // Our own close-on-exec socket: NIO's is inherited by child processes, which
                // keep the port listening after we close it (ListeningSocket).
                let socket = try ListeningSocket.open(host: address.host, port: address.port)
                // From here NIO owns the descriptor and closes it, also when this fails.
                let server = try await ServerBootstrap(group: loop)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .childChannelOption(.writeBufferWaterMark, value: Self.linkWaterMark)
                    .bind(socket) { channel in
                        channel.eventLoop.makeCompletedFuture { try accepted.admit(channel, wrap: Self.wrap) }
                    }
                listener = server.channel
                Task { await self.acceptLoop(server, accepted) }
                return
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempt < Self.rebindAttempts {
                // A restart (adjust, volume grow) rebinds the port its previous listener just
                // closed. The socket outlives our close while another reference to it exists:
                // a child process spawned in this moment holds a copy between its fork and
                // exec (close-on-exec drops it at exec), so the port can read as in use for
                // a moment; a real clash still fails after ~2 s.
                attempt += 1
                try? await Task.sleep(for: .milliseconds(50))
            } catch {
                throw EngineError("\(layout.resourceFilePath(config.name)): cannot listen on \(address) for replication: \(error)")
            }
        }
    }

    /// "127.0.0.1:36082" / "[fd00::1]:7000" for messages (NIO's own form is
    /// "[IPv4]127.0.0.1/127.0.0.1:36082").
    nonisolated static func addressText(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return EndpointAddress(host: ip, port: port).description
    }

    nonisolated static func wrap(_ channel: any Channel) throws -> LinkChannel {
        let peer = channel.remoteAddress.map(addressText) ?? "unknown peer"
        let reassembler = ReplicationFrameReassembler(ReplicationFrameDecoder(peer: peer))
        let delivery = LinkDeliveryHandler(peer: peer)
        reassembler.messageSink = delivery
        try channel.pipeline.syncOperations.addHandler(reassembler)
        try channel.pipeline.syncOperations.addHandler(delivery)
        try channel.pipeline.syncOperations.addHandler(ReplicationFrameWriter())
        return try LinkChannel(wrappingChannelSynchronously: channel, configuration: .init(backPressureStrategy: .init(lowWatermark: 16, highWatermark: 64)))
    }

    nonisolated func acceptLoop(_ server: NIOAsyncChannel<LinkChannel, Never>, _ accepted: AcceptedChannels<ReplicationInbound, ReplicationOutbound>) async {
        do {
            try await server.executeThenClose { inbound in
                for try await child in inbound {
                    accepted.take(child)
                    Task { await self.serveAccepted(child) }
                }
            }
        } catch {
            if await !stopped {
                let address = await config.address
                logger.error("replication listener on \(address) failed: \(error)")
            }
        }
        // Connections accepted while the listener was closing never reached the loop above.
        await accepted.finishStragglers()
    }

    /// Incoming: read the peer's hello, check it, answer with ours, then run the link.
    nonisolated func serveAccepted(_ link: LinkChannel) async {
        let remote = link.channel.remoteAddress.map(Self.addressText) ?? "unknown peer"
        let timeout = link.channel.eventLoop.scheduleTask(in: Self.helloTimeout) { link.channel.close(promise: nil) }
        do {
            try await link.executeThenClose { inbound, outbound in
                var iterator = inbound.makeAsyncIterator()
                guard case .hello(let hello)? = try await iterator.next() else { return }
                timeout.cancel()
                if let refusal = await helloRefusal(hello, from: remote) {
                    await notePeer(hello.senderNodeID.rawValue, refusal)
                    return
                }
                let key = LinkKey(volume: hello.volume, peer: hello.senderNodeID.rawValue)
                if hello.lane == .resync {
                    try await acceptResyncLane(key, hello: hello, lane: link, outbound: outbound, inbound: &iterator, remote: remote)
                    return
                }
                guard await isWanted(key) else { return }  // StandAlone toward that peer: refuse quietly
                try await outbound.write(.hello(await ourHello(volume: hello.volume, to: hello.senderNodeID.rawValue,
                                                               lane: .main, token: hello.connectionToken)))
                await runLink(key, link: link, inbound: &iterator, token: hello.connectionToken)
            }
        } catch let error as ReplicationWireError {
            // Already says "replication link from <address>: <what was wrong>"; logged once there.
            await notePeerByAddress(error)
        } catch {
            logger.warning("replication link from \(remote): \(error)")
        }
    }

    /// Outgoing: dial with back-off until connected, the core stops wanting it, or we stop.
    func dialLoop(_ key: LinkKey) async {
        guard let peer = config.peer(nodeId: Int(key.peer)) else { return }
        var delayMs: Int64 = 100
        let maxDelayMs = Int64(config.options.connectIntervalSeconds) * 1000
        while !stopped && wanted.contains(key) && !Task.isCancelled {
            if links[key] == nil {
                await dialOnce(key, peer)
            }
            if stopped || !wanted.contains(key) || Task.isCancelled { break }
            try? await Task.sleep(for: .milliseconds(delayMs))
            delayMs = links[key] == nil ? min(maxDelayMs, delayMs * 2) : 100
        }
        dialers[key] = nil
    }

    /// One TCP connection to `peer`'s replication port, on this runtime's loop, ready for the hello.
    nonisolated func connect(to peer: ResourcePeerConfig) async throws -> LinkChannel {
        try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.writeBufferWaterMark, value: Self.linkWaterMark)
            .connectTimeout(.seconds(3))
            .connect(host: peer.address.host, port: peer.address.port) { channel in
                channel.eventLoop.makeCompletedFuture { try Self.wrap(channel) }
            }
    }

    nonisolated func dialOnce(_ key: LinkKey, _ peer: ResourcePeerConfig) async {
        let link: LinkChannel
        do {
            link = try await connect(to: peer)
        } catch {
            return  // not reachable yet; the loop retries
        }
        // A dialer cancelled by a disconnect/connect pair can still finish a connect it started
        // (NIO's connect does not observe task cancellation); its replacement dials too, and
        // the second link would then replace the first mid-handshake or mid-resync.
        if Task.isCancelled {
            try? await link.channel.close()
            return
        }
        // A fresh token per connection: the resync connection names it, so the listener attaches
        // that connection to this main one and to no other (an older one, another peer's).
        let token = UInt64.random(in: 1 ... .max)
        do {
            try await exchangeHellos(link, sending: await ourHello(volume: key.volume, to: key.peer, lane: .main, token: token)) { hello, iterator in
                if let refusal = await helloRefusal(hello, from: "\(peer.nodeName) (\(peer.address))") {
                    await notePeer(key.peer, refusal)
                    return
                }
                guard hello.senderNodeID.rawValue == key.peer, hello.volume == key.volume else {
                    await notePeer(key.peer, "\(peer.address) answered as node \(hello.senderNodeID) volume \(hello.volume), expected node \(key.peer) (\(peer.nodeName)) volume \(key.volume); check the addresses in the resource files")
                    return
                }
                guard hello.lane == .main, hello.connectionToken == token else {
                    await notePeer(key.peer, "\(peer.nodeName) (\(peer.address)) answered a new connection as its \(hello.lane) connection with token \(hello.connectionToken), expected main with \(token); refused")
                    return
                }
                await runLink(key, link: link, inbound: &iterator, token: token)
            }
        } catch {
            logger.warning("replication link to \(peer.nodeName) (\(peer.address)): \(error)")
            if let error = error as? ReplicationWireError { await notePeer(key.peer, error.description) }
        }
    }

    /// Dialer side of a connection: sends `ours`, waits (up to `helloTimeout`) for the peer's
    /// hello and hands it to `body` with the rest of the stream; the connection is closed when
    /// `body` returns. Nothing happens if the peer closes before its hello.
    nonisolated func exchangeHellos(_ link: LinkChannel, sending ours: ReplicationHello,
                                    _ body: (ReplicationHello, inout NIOAsyncChannelInboundStream<ReplicationInbound>.AsyncIterator) async throws -> Void) async throws {
        let timeout = link.channel.eventLoop.scheduleTask(in: Self.helloTimeout) { link.channel.close(promise: nil) }
        try await link.executeThenClose { inbound, outbound in
            try await outbound.write(.hello(ours))
            var iterator = inbound.makeAsyncIterator()
            guard case .hello(let hello)? = try await iterator.next() else { return }
            timeout.cancel()
            try await body(hello, &iterator)
        }
    }

    /// A link whose hellos matched: tell the core, feed it every message in order, and tell it
    /// when the link is gone.
    nonisolated func runLink(_ key: LinkKey, link: LinkChannel, inbound: inout NIOAsyncChannelInboundStream<ReplicationInbound>.AsyncIterator,
                             token: UInt64) async {
        let id = await linkUp(key, link.channel, token: token)
        do {
            while let item = try await inbound.next() {
                switch item {
                case .message(let message):
                    guard await deliver(key, id, message) else { return }
                case .hello:
                    throw ReplicationWireError(peer: "node \(key.peer)", reason: "sent a second hello")
                }
            }
        } catch {
            if await !stopped { logger.warning("replication link to node \(key.peer) volume \(key.volume) dropped: \(error)") }
        }
        await linkDown(key, id)
    }

    func linkUp(_ key: LinkKey, _ channel: any Channel, token: UInt64) -> UInt64 {
        if let old = links[key] {
            // The peer redialed before this side saw the old link end (its EOF can be processed
            // after the new accept). The core must hear that the old link is gone: a transportUp
            // while it still counts the peer as connected makes it refuse the link and stop
            // wanting that peer for good (both sides then stay Connecting forever).
            links[key] = nil
            old.close()
            step(key.volume, .transportDown(NodeID(key.peer)))
        }
        let id = nextLinkID
        nextLinkID += 1
        links[key] = PeerLink(id: id, main: LinkLane(channel: channel, loop: loop), connectionToken: token)
        peerMessages[key.peer] = nil
        step(key.volume, .transportUp(NodeID(key.peer)))
        // From now on the link's messages come straight from its channel (same loop as this
        // actor), in order, after any that arrived since the hello.
        do {
            guard channel.eventLoop === loop else { throw ChannelError.inappropriateOperationForState }
            let handler = try channel.pipeline.syncOperations.handler(type: LinkDeliveryHandler.self)
            let context = try channel.pipeline.syncOperations.context(handlerType: LinkDeliveryHandler.self)
            handler.arm(context: context) { messages in
                self.onLoop((key, id, messages)) { $0.deliver($1.0, $1.1, $1.2) }
            }
            try Self.readLargeFramesDirectly(channel)
        } catch {
            logger.error("replication link to node \(key.peer) volume \(key.volume) cannot deliver messages (\(error)); closing it")
            channel.close(promise: nil)
        }
        expectResyncLane(key, id)
        onChange()
        return id
    }

    /// From now on the rest of a large frame (a 1 MiB write, a resync reply) that a read cut is
    /// read from the socket straight into the frame's own buffer (`ReplicationFrameReassembler`).
    /// Once the connection is up and on this loop: the descriptor is found by the socket's
    /// cookie, which a channel still being set up cannot tell.
    nonisolated static func readLargeFramesDirectly(_ channel: any Channel) throws {
        let reassembler = try channel.pipeline.syncOperations.handler(type: ReplicationFrameReassembler.self)
        let bound = NIOLoopBound(reassembler, eventLoop: channel.eventLoop)
        ChannelSocketReader.find(for: channel).whenSuccess { reader in bound.value.socketReader = reader }
    }

    /// Feeds one message to the core; false when this link has been replaced or dropped.
    func deliver(_ key: LinkKey, _ id: UInt64, _ message: PeerMessage) -> Bool {
        deliver(key, id, [message])
    }

    /// Feeds a link's messages to the core in order: runs of writes and write acks (the data
    /// path) as one step each, every other message as a step of its own, as before. False when
    /// this link has been replaced or dropped (the rest is not delivered). Only a step can
    /// replace or drop the link, so it is looked up again after each step, not per message.
    /// The bytes of a run's writes are counted for status once per run (two table lookups per
    /// write message before).
    func deliver(_ key: LinkKey, _ id: UInt64, _ messages: [PeerMessage]) -> Bool {
        guard links[key]?.id == id else { return false }
        let peer = NodeID(key.peer)
        var run = scratchInputs
        scratchInputs = []
        defer {
            run.removeAll(keepingCapacity: true)
            scratchInputs = run
        }
        var runWriteBytes = 0
        for message in messages {
            switch message {
            case .write(let write):
                runWriteBytes += write.data.readableBytes
                run.append(.message(message, from: peer))
            case .writeAck:
                run.append(.message(message, from: peer))
            default:
                guard stepRun(key, &run, writeBytes: &runWriteBytes, link: id) else { return false }
                countInbound(key.volume, message, from: key.peer)
                step(key.volume, .message(message, from: peer))
                guard links[key]?.id == id else { return false }
            }
        }
        return stepRun(key, &run, writeBytes: &runWriteBytes, link: id)
    }

    /// Steps the core once for a run of writes and acks (counting its writes' bytes first, as
    /// `countInbound` does per message); false when that dropped or replaced link `id`.
    private func stepRun(_ key: LinkKey, _ run: inout [ReplicaInput], writeBytes: inout Int, link id: UInt64) -> Bool {
        guard !run.isEmpty else { return true }
        if writeBytes > 0 { volumes[key.volume]?.traffic[key.peer, default: Traffic()].received += UInt64(writeBytes) }
        writeBytes = 0
        step(key.volume, batch: run)
        run.removeAll(keepingCapacity: true)
        return links[key]?.id == id
    }

    func linkDown(_ key: LinkKey, _ id: UInt64) {
        guard let link = links[key], link.id == id else { return }
        links[key] = nil
        link.close()
        step(key.volume, .transportDown(NodeID(key.peer)))
        onChange()
    }

    func isWanted(_ key: LinkKey) -> Bool { wanted.contains(key) }

    func transport(_ v: UInt16, _ directive: TransportDirective) {
        switch directive {
        case .connect(let peer):
            let key = LinkKey(volume: v, peer: peer.rawValue)
            wanted.insert(key)
            // The dial loop keeps running while the link is wanted (it redials after drops), so
            // one is started even when an old link is still closing.
            if config.nodeId < Int(peer.rawValue), dialers[key] == nil {
                dialers[key] = Task { await self.dialLoop(key) }
            }
        case .disconnect(let peer):
            let key = LinkKey(volume: v, peer: peer.rawValue)
            wanted.remove(key)
            dialers.removeValue(forKey: key)?.cancel()
            if let link = links[key] {
                // Messages emitted before the directive are already written; flush, then close.
                // The main connection only: the peer drops the link at its end, after reading
                // what came before it, and this side's resync connection closes with the link.
                let channel = link.channel
                channel.writeAndFlush(ReplicationOutbound.message(.ping(0))).whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }

    func ourHello(volume: UInt16, to peer: UInt8, lane: ReplicationHello.Lane, token: UInt64) -> ReplicationHello {
        ReplicationHello(resourceName: config.name, senderNodeID: NodeID(UInt8(config.nodeId)), receiverNodeID: NodeID(peer),
                         volume: volume, sizeBytes: volumes[volume]?.sizeBytes ?? 0, bitmapBlockBytes: volumes[volume]?.bitmapBlockBytes ?? 0,
                         frameBytesMax: UInt32(ReplicationFrameDecoder.defaultFrameBytesMax), lane: lane, connectionToken: token)
    }

    /// Why a peer's hello is not acceptable, written for the operator; nil when it is.
    func helloRefusal(_ hello: ReplicationHello, from peer: String) -> String? {
        if hello.resourceName != config.name {
            return "\(peer) wants resource '\(hello.resourceName)' but this port (\(config.address)) serves '\(config.name)'; ports must be unique per resource"
        }
        if hello.receiverNodeID.rawValue != UInt8(config.nodeId) {
            return "\(peer) thinks this node is node-id \(hello.receiverNodeID), but \(config.name).res says \(config.nodeId)"
        }
        guard let p = config.peer(nodeId: Int(hello.senderNodeID.rawValue)) else {
            return "\(peer) says it is node-id \(hello.senderNodeID), which is not a peer in \(layout.resourceFilePath(config.name))"
        }
        guard let volume = volumes[hello.volume] else {
            return "\(p.nodeName) (\(peer)) offers volume \(hello.volume), which \(config.name) does not have"
        }
        if hello.sizeBytes != volume.sizeBytes {
            return "\(p.nodeName) (\(peer)) has volume \(hello.volume) at \(hello.sizeBytes) bytes, this node at \(volume.sizeBytes) bytes; sizes must match"
        }
        // The core's handshake refuses it too, but only after the link is up, and in the core's
        // words; no resource file sets the block, so a mismatch is an engine of another build.
        if hello.bitmapBlockBytes != volume.bitmapBlockBytes {
            return "\(p.nodeName) (\(peer)) tracks volume \(hello.volume) in \(hello.bitmapBlockBytes)-byte bitmap blocks, this node in \(volume.bitmapBlockBytes)-byte blocks; they must match (an engine of another build?)"
        }
        return nil
    }

    func notePeer(_ peer: UInt8, _ message: String) {
        if peerMessages[peer] != message { logger.error("\(message)") }
        peerMessages[peer] = message
        onChange()
    }

    /// A connection refused before it said who it is. From a configured peer's host (an engine
    /// of another version, a misconfigured peer) the message goes on that peer's status line
    /// until it connects; from anywhere else (a port scanner, another service) it is only
    /// logged: a stranger must not put an error on a healthy resource. (The error's `peer` is
    /// the address the decoder saw at accept; the channel forgets it once closed.)
    func notePeerByAddress(_ error: ReplicationWireError) {
        let message = error.description
        if case .success(let address) = EndpointAddress.parse(error.peer),
           let peer = config.peers.first(where: { $0.address.host == address.host }) {
            notePeer(UInt8(peer.nodeId), message)
        } else {
            logger.warning("\(message)")
        }
    }
}
