extension ReplicaInstance {
    /// Drops the note that generation G was superseded (`supersededGenerations`) once every
    /// diskful replica, this node included, is at G with its disk, each connected here, and no
    /// node is Primary: no replica holds a generation past G, so no acknowledged write does, and
    /// the note protects nothing. Kept, it refused every replica at G, this node's own promotion
    /// too, for good: seed 1977 (the diskless Primary n3 announced 0C79→C60F and sent writes that
    /// only n1, an Inconsistent resync target, received; n0, the one UpToDate replica, never took
    /// C60F, so nothing was acknowledged; n3 crashed and all four came back to 0C79, where n1
    /// refused them all; SupersededUnheldTests).
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
        guard let at = generationEveryReplicaIsAt,
              supersededGenerations.contains(where: { $0.sameHistory(as: at) }) else {
            unheldNoteProbe = nil
            return
        }
        guard let probe = unheldNoteProbe else {
            unheldNoteProbe = sendLostCopyProbe(toPeersWhere: { !$0.config.disklessClient })
            return
        }
        guard peers.allSatisfy({ $0.config.disklessClient || $0.lostCopyProbeAnswered >= probe }) else { return }
        unheldNoteProbe = nil
        supersededGenerations.removeAll { $0.sameHistory(as: at) }
        supersededAwaitingWrite.removeAll { $0.generation.sameHistory(as: at) }
        // Rides the next metadata write, like the expiry's: a crash before it brings the note
        // back, and the next round drops it again.
        log(.info, "every replica of \(config.resourceName) is at generation \(at) and none holds a newer one: \(config.nodeName) no longer refuses a replica there")
    }

    /// A write or an announcement arrived: the round that would drop a note starts over.
    mutating func endUnheldNoteRound() {
        unheldNoteProbe = nil
    }

    /// The generation this node and every diskful peer are at, each with its disk and each peer
    /// connected, while no node is Primary; nil otherwise.
    var generationEveryReplicaIsAt: Generation? {
        let at = generations.current
        guard disk.hasDisk, role != .primary, !at.isNone else { return nil }
        for peer in peers {
            if peer.isConnected && peer.role == .primary { return nil }
            if peer.config.disklessClient { continue }
            guard peer.isConnected, peer.disk.hasDisk, peer.current.sameHistory(as: at) else { return nil }
        }
        return at
    }
}
