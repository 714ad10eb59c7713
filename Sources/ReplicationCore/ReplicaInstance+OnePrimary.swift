extension ReplicaInstance {
    /// Why this node does not stay connected to peer `i`, whose handshake or state report says it
    /// is Primary, while another peer connected here is Primary: connected to both, this node
    /// would be in the majorities of two Primaries (DRBD refuses such a connection,
    /// SS_TWO_PRIMARIES; its connect is a cluster-wide two-phase commit). Seed 56: n0, Primary
    /// suspended without quorum, connected to n2 after n2 had voted n1 in; n1 became Primary with
    /// that vote, n2 took both, and both wrote children of one generation (TwoPrimariesTests).
    /// Refused on n1's state report, n2 drops n1, which then lacks n2 for its quorum and writes
    /// nothing acknowledged. Also refusing while this node's vote for another requester is
    /// pending (the whole SS_TWO_PRIMARIES rule) would keep n0 out instead, but measured with
    /// fixed seed 69 acknowledging no write. Known gap: a protocol A write n1 issues between its
    /// promotion and n2's refusal is acknowledged on sending and then discarded with n1's data.
    func secondPrimaryRefusal(peerRole: Role, peer i: Int) -> String? {
        guard peerRole == .primary, role != .primary,
              let other = peers.first(where: { $0.id != peers[i].id && $0.isConnected && $0.role == .primary })
        else { return nil }
        return "node \(peers[i].id) (\(peers[i].config.name)) is Primary for \(config.resourceName) and node \(other.id) (\(other.config.name)), connected here, is Primary; one Primary per connected cluster: demote one of them ('tandem adm secondary \(config.resourceName)' on \(peers[i].config.name) or on \(other.config.name)) for \(config.nodeName) to connect \(peers[i].config.name)"
    }

    /// Drops the connection and asks for it again `connectRetryTicks` later: the other Primary
    /// may have demoted by then, and an immediate retry would meet the same refusal in a loop
    /// (DRBD retries a refused connect after its connect interval).
    mutating func deferConnection(_ i: Int, _ reason: String) {
        log(.warning, "not connecting: \(reason); retrying in \(config.connectRetryTicks) ticks")
        resetConnection(i)
        peers[i].connection = .connecting
        peers[i].reconnectAtTick = now + UInt64(config.connectRetryTicks)
        peers[i].deferredBecause = reason
        output.transport.append(.disconnect(peers[i].id))
        emitConnection(i)
        recomputeQuorum()
    }

    /// `deferConnection`'s retry.
    mutating func retryDeferredConnection(_ i: Int) {
        guard let due = peers[i].reconnectAtTick, now >= due else { return }
        peers[i].reconnectAtTick = nil
        if peers[i].connection == .connecting && !peers[i].transportUp { output.transport.append(.connect(peers[i].id)) }
    }
}

extension ReplicaInstance {
    /// wip measurement switch (SIM_DISKLESS_PRIMARY_DATA=1).
    nonisolated(unsafe) static var disklessPrimaryDataRule = false

    /// DRBD (`receive_uuids`, "Can only connect to data with current UUID"): a Primary without a
    /// disk connects only to a diskful peer whose current generation is the one it exposes; any
    /// other data must first be resynced from a diskful replica. Decided from the two handshakes,
    /// so both ends reach it. Seed 781: n3, a diskless Primary at F965, connected to n1, UpToDate
    /// at ED21 (another child of F965's parent), and wrote into it; n1 then met n0 at F965 as a
    /// split brain. An Inconsistent peer is left to connect: it claims no generation's data.
    func disklessPrimaryDataRefusal(mine: Handshake, peer: Handshake, peer i: Int) -> String? {
        let primary: Handshake, other: Handshake
        if mine.role == .primary { (primary, other) = (mine, peer) }
        else if peer.role == .primary { (primary, other) = (peer, mine) }
        else { return nil }
        let exposed = primary.generations.current
        guard primary.sizeBytes == 0, other.sizeBytes != 0, !other.flags.contains(.inconsistent),
              !exposed.isNone, !exposed.sameHistory(as: .justCreated),
              !other.generations.current.sameHistory(as: exposed) else { return nil }
        return "node \(primary.nodeID) is a diskless Primary exposing generation \(exposed) and node \(other.nodeID) holds generation \(other.generations.current); it connects once resynced from a diskful replica"
    }
}
