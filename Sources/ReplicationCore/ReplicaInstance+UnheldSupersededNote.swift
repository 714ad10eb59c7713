extension ReplicaInstance {
    /// Drops the note that generation G was superseded (`supersededGenerations`) once every
    /// diskful replica, this node included, is at G or behind it with its disk, each connected
    /// here, and no node is Primary (`everyReplicaAtOrBehind`): no replica holds a generation
    /// past G, so no acknowledged write does, and the note protects nothing. Kept, it refused
    /// every replica at G, this node's own promotion too, for good: seed 1977 (the diskless
    /// Primary n3 announced 0C79→C60F and sent writes that only n1, an Inconsistent resync
    /// target, received; n0, the one UpToDate replica, never took C60F, so nothing was
    /// acknowledged; n3 crashed, and n1 refused n0, UpToDate at 0C79 and the resync source of the
    /// three others, to the end of the run; SupersededUnheldTests).
    ///
    /// Why a vote stays safe. An acknowledged write W issued in a generation past G rests on an
    /// UpToDate replica R that took that generation durably before answering W (the writer's own
    /// disk starts it durably before sending; a peer takes an announcement with a metadata
    /// barrier ahead of the writes behind it). R's current never goes back to G: a resync makes
    /// it the target only of a newer source; its disk failing leaves it without a disk here,
    /// which keeps the note; an unconfirmed generation that yields holds no acknowledged write.
    /// So while W exists some diskful replica is away, without its disk or past G, and the note
    /// stands. Reports lag, hence the probe round: it starts when the condition holds, goes to
    /// every diskful peer, and the note goes only when each answered (a probe is answered after
    /// everything the peer sent before it, its report of a newer generation too) and the
    /// condition still holds. An announcement or a write arriving here ends the round
    /// (`endUnheldNoteRound`): this node then answers a writer's writes, and if one is
    /// acknowledged with this node in its quorum, the announcement noted G again before it.
    /// A node that did not answer W is not the one every majority shares with W's quorum.
    mutating func dropUnheldSupersededNote() {
        guard let note = supersededGenerations.first(where: everyReplicaAtOrBehind) else {
            unheldNoteProbe = nil
            return
        }
        guard let probe = unheldNoteProbe else {
            unheldNoteProbe = sendLostCopyProbe(toPeersWhere: { !$0.config.disklessClient })
            return
        }
        guard peers.allSatisfy({ $0.config.disklessClient || $0.lostCopyProbeAnswered >= probe }) else { return }
        unheldNoteProbe = nil
        supersededGenerations.removeAll { $0.sameHistory(as: note) }
        supersededAwaitingWrite.removeAll { $0.generation.sameHistory(as: note) }
        // Rides the next metadata write, like the expiry's: a crash before it brings the note
        // back, and the next round drops it again.
        log(.info, "every replica of \(config.resourceName) is at generation \(note) or behind it: \(config.nodeName) no longer refuses a replica there")
    }

    /// A write or an announcement arrived: the round that would drop a note starts over.
    mutating func endUnheldNoteRound() {
        unheldNoteProbe = nil
    }

    /// Whether this node and every diskful peer stand at generation `g` or behind it (at an
    /// ancestor of `g`, named in the history of a replica at `g`), each with its disk and each
    /// peer connected, while no node is Primary. Behind: seed 1977's n1, n2 and n3 were
    /// Inconsistent at 9551, resync targets of n0 at 0C79 (9551 in n0's history), when n1
    /// refused n0. A replica at a generation this node cannot place is not behind.
    func everyReplicaAtOrBehind(_ g: Generation) -> Bool {
        guard disk.hasDisk, role != .primary else { return false }
        var ancestors = generations.current.sameHistory(as: g) ? generations.history : []
        for peer in peers where peer.isConnected && peer.current.sameHistory(as: g) {
            if let shown = peer.handshake?.generations, shown.current.sameHistory(as: g) { ancestors += shown.history }
        }
        func atOrBehind(_ x: Generation) -> Bool {
            x.sameHistory(as: g) || ancestors.contains { !$0.isNone && $0.sameHistory(as: x) }
        }
        guard atOrBehind(generations.current) else { return false }
        for peer in peers {
            if peer.isConnected && peer.role == .primary { return false }
            if peer.config.disklessClient { continue }
            guard peer.isConnected, peer.disk.hasDisk, atOrBehind(peer.current) else { return false }
        }
        return true
    }
}
