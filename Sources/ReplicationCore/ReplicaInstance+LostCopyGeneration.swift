extension ReplicaInstance {
    /// Whether the acknowledgement of write `id`, whose lost copy started `generation`, may go
    /// out now (`PendingRequest.lostCopyGeneration`): no quorum can form without a node that
    /// knows of it (this node, the UpToDate peers holding the write, `heldBy`, and the peers
    /// that answered `probe` or a later one). If one could, the generation's probe goes out
    /// behind the announcement to the peers that were sent it (once per generation: every
    /// write its loss left waiting reads the same answers), and the write waits for their
    /// answers. A peer connected since the announcement heard neither it nor the write; once it
    /// reports this generation or a later one of this node's (a resync from here ended, or it
    /// took the generation before its link dropped), its history records the lost peer's
    /// generation as a parent, and it is probed too (`probeGenerationHolders`): with four or
    /// more nodes the peers first probed could drop while quorum stayed, and the write failed
    /// although the ones still connected knew. With nobody left to answer or to reach the
    /// generation it fails (not acknowledged). A quorum loss meanwhile fails the write too
    /// (`lostCopyWithoutQuorum`).
    mutating func lostCopyGenerationKnown(_ id: ClientRequestID, generation: Generation, heldBy: NodeSet, probe: UInt64?) -> Bool {
        if everyQuorumIncludes({ peer in
            heldBy.contains(peer.id) || (peer.isConnected && probe.map { peer.lostCopyProbeAnswered >= $0 } ?? false)
        }) { return true }
        var sent = probe
        if sent == nil {
            if let earlier = lostCopyGenerationProbe, earlier.generation == generation {
                sent = earlier.probe
            } else {
                // The announcement went to each peer that had this node's handshake; one whose
                // connection was reset since has no `announcedGeneration` (or a later one).
                sent = sendLostCopyProbe(toPeersWhere: { $0.transportUp && $0.announcedGeneration?.current == generation })
                lostCopyGenerationProbe = (generation, sent!)
                log(.info, "a write whose copy to a lost peer is missing waits until enough replicas heard of generation \(generation) (probe \(sent!))")
            }
            requests[id]!.announcementProbe = sent
            if everyQuorumIncludes({ peer in heldBy.contains(peer.id) || (peer.isConnected && peer.lostCopyProbeAnswered >= sent!) }) {
                return true
            }
        }
        let line = generationLine(since: generation)
        probeGenerationHolders(line, notProbedSince: sent!)
        // A peer whose disk is gone cannot record the generation: its answer is not waited for.
        // One that a resync from here brings to this node's current is probed once it reports
        // it (the source ends the resync before the target's report arrives). Not once this node
        // left the generation's line: no peer reaches it through this node any more.
        if peers.contains(where: { $0.transportUp && $0.disk.hasDisk && $0.lostCopyProbeSent >= sent! && $0.lostCopyProbeAnswered < sent! })
            || !line.isEmpty && peers.contains(where: { peer in
                peer.isConnected && peer.disk.hasDisk && !line.contains { $0.sameHistory(as: peer.current) }
                    && ([.wfBitMapS, .syncSource].contains(peer.replication) || (peer.replication == .established && peer.disk == .upToDate))
            }) {
            awaitAck(id)
            return false
        }
        complete(id, .failed(ClientError(.io, "\(config.resourceName) on \(config.nodeName) lost a replica of the write, and too few of the others hold it or heard of the new generation that records it; not acknowledged (it may or may not have reached the disk)")))
        return false
    }

    /// `generation` and the generations this node started or took after it, newest first: a
    /// peer at one of them holds `generation` in its history. Empty when this node left that
    /// line (resynced from another).
    func generationLine(since generation: Generation) -> [Generation] {
        if generations.current.sameHistory(as: generation) { return [generation] }
        guard let k = generations.history.firstIndex(where: { $0.sameHistory(as: generation) }) else { return [] }
        return [generations.current] + generations.history[..<k] + [generation]
    }

    /// Probes the connected peers with a disk that report a generation of `line` and were not
    /// probed since probe `sent` (connected since it went out). Such a peer took the generation
    /// from an announcement or a resync from here: its history holds the generation's parent,
    /// where the lost peer stayed, so once its metadata is durable (the probe's answer) it
    /// refuses to vote the lost peer in (`knowsNewerGeneration`). Its answer (a later probe
    /// number) counts as an answer to `sent`.
    mutating func probeGenerationHolders(_ line: [Generation], notProbedSince sent: UInt64) {
        let holds: (PeerState) -> Bool = { peer in
            peer.isConnected && peer.disk.hasDisk && peer.lostCopyProbeSent < sent
                && line.contains { $0.sameHistory(as: peer.current) }
        }
        guard peers.contains(where: holds) else { return }
        let probe = sendLostCopyProbe(toPeersWhere: holds)
        log(.info, "probing the peers that reached generation \(line.last!) since probe \(sent) (probe \(probe))")
    }

    /// Whether every quorum that could ever form includes this node or a peer `knows` selects:
    /// the other diskful peers, all present, with every diskless client as a tiebreaker and
    /// quorum held before (the most the quorum rules grant them), still fall short. For three
    /// replicas that is a majority knowing; for four, two (the other two are only half).
    func everyQuorumIncludes(_ knows: (PeerState) -> Bool) -> Bool {
        let diskful = peers.filter { !$0.config.disklessClient }
        let others = diskful.filter { !knows($0) }.count
        let clients = peers.filter { $0.config.disklessClient }.count
        let rest = QuorumInput(
            policy: config.quorum, selfDiskful: false, reachableDiskfulPeers: others,
            absentUnknownPeers: diskful.count - others + (disk.hasDisk && !config.disklessClient ? 1 : 0),
            absentOutdatedPeers: 0, reachableDisklessClients: clients, disklessClients: clients, hadQuorum: true)
        return !rest.hasQuorum
    }

    /// Parks write `id`'s acknowledgement (once) in `acksAwaitingGeneration`: `checkDone` asks
    /// again after each step, in the order the writes got there.
    mutating func awaitAck(_ id: ClientRequestID) {
        if !acksAwaitingGeneration.contains(id) { acksAwaitingGeneration.append(id) }
    }

    /// Sends the next lost-copy probe (a ping the peer echoes once it has processed everything
    /// sent before it on the stream) to each peer `include` selects; returns its number.
    mutating func sendLostCopyProbe(toPeersWhere include: (PeerState) -> Bool) -> UInt64 {
        let probe = nextLostCopyProbe
        nextLostCopyProbe += 1
        for index in peers.indices where include(peers[index]) {
            send(.ping(Self.lostCopyProbeFlag | probe), to: peers[index].id)
            peers[index].lostCopyProbeSent = probe
        }
        return probe
    }

    /// Answers a ping; a lost-copy probe (`lostCopyProbeFlag`) only once everything this node
    /// recorded before it arrived is durable. Its answer tells the writer this node knows of the
    /// writer's new generation (`PendingRequest.lostCopyGeneration`): the announcement ahead of it
    /// on the stream is recorded in metadata version `metadataVersion` (the generation taken, or
    /// noted as superseded), and a crash before that write lands would bring this node back
    /// without it, free to vote a node at the old generation in. For a diskless writer's probe
    /// (`PendingRequest.ackProbe`) it covers the out-of-sync bits alike. Timer pings, and any
    /// ping at a node without a disk to record on, are answered at once.
    mutating func answerPing(_ value: UInt64, peer i: Int) {
        let version = metadataVersion
        if value & Self.lostCopyProbeFlag != 0, disk.hasDisk, !config.disklessClient, !metadataDurable(version) {
            heldProbeAnswers.append(HeldProbeAnswer(peer: peers[i].id, value: value, version: version))
            return
        }
        send(.pingAck(value), to: peers[i].id)
    }

    /// Sends the held probe answers whose metadata became durable. A disk lost meanwhile recorded
    /// nothing: those are dropped unanswered (the writer no longer waits on a peer without a disk).
    mutating func sendDurableProbeAnswers() {
        guard !heldProbeAnswers.isEmpty else { return }
        let held = heldProbeAnswers
        heldProbeAnswers = disk.hasDisk ? held.filter { !metadataDurable($0.version) } : []
        for answer in held where disk.hasDisk && metadataDurable(answer.version) {
            send(.pingAck(answer.value), to: answer.peer)
        }
    }
}

/// A lost-copy probe from `peer` answered once metadata `version` is durable
/// (`ReplicaInstance.answerPing`).
struct HeldProbeAnswer: Sendable {
    var peer: NodeID
    var value: UInt64
    var version: UInt64
}
