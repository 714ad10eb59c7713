extension ReplicaInstance {
    /// Whether the acknowledgement of write `id`, whose lost copy started `generation`, may go
    /// out now (`PendingRequest.lostCopyGeneration`): no quorum can form without a node that
    /// knows of it (this node, the UpToDate peers holding the write, `heldBy`, and the peers
    /// that answered `probe`). If one could, the probe goes out behind the announcement to the
    /// peers that were sent it, and the write waits for their answers; with none left to
    /// answer it fails (not acknowledged). A peer connected since the announcement heard
    /// neither it nor the write. A quorum loss meanwhile fails the write too
    /// (`lostCopyWithoutQuorum`).
    mutating func lostCopyGenerationKnown(_ id: ClientRequestID, generation: Generation, heldBy: NodeSet, probe: UInt64?) -> Bool {
        if everyQuorumIncludes({ peer in
            heldBy.contains(peer.id) || (peer.isConnected && probe.map { peer.lostCopyProbeAnswered >= $0 } ?? false)
        }) { return true }
        var sent = probe
        if sent == nil {
            // The announcement went to each peer that had this node's handshake; one whose
            // connection was reset since has no `announcedGeneration` (or a later one).
            sent = sendLostCopyProbe(toPeersWhere: { $0.transportUp && $0.announcedGeneration?.current == generation })
            requests[id]!.announcementProbe = sent
            log(.info, "a write whose copy to a lost peer is missing waits until enough replicas heard of generation \(generation) (probe \(sent!))")
        }
        if peers.contains(where: { $0.transportUp && $0.lostCopyProbeSent >= sent! && $0.lostCopyProbeAnswered < sent! }) {
            if !acksAwaitingGeneration.contains(id) { acksAwaitingGeneration.append(id) }
            return false
        }
        complete(id, .failed(ClientError(.io, "\(config.resourceName) on \(config.nodeName) lost a replica of the write, and too few of the others hold it or heard of the new generation that records it; not acknowledged (it may or may not have reached the disk)")))
        return false
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
}
