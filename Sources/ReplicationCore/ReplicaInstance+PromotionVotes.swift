extension ReplicaInstance {
    /// Why the answers to a promotion request do not make a quorum, or nil when they do.
    ///
    /// A peer whose connection ends while the promotion waits for it is taken off the waiting
    /// list without answering, and a peer that connects meanwhile was never asked; both still
    /// counted toward the quorum `promotionRefusal` checks at the end (it counts connected
    /// peers). Two nodes cut off from each other were each promoted that way, each with the vote
    /// of one node between them and the connection of the other, which had voted for the other
    /// requester: two Primaries with quorum, a split brain (seed 69 n0 and n3; 52 and 216 the
    /// same class; 56, also two Primaries, still fails and is not traced). DRBD's two-phase
    /// commit needs a yes from every peer it asked, and connecting is itself a cluster-wide
    /// state change there, serialized with the promotion. Here the
    /// quorum is counted from the peers that said yes and are still connected with a disk, with
    /// this node's own vote. A yes counts only on the connection it came on: a voter whose
    /// connection ends forgets its grant, so its vote is dropped then (`resetConnection`), even if
    /// it is connected again by the end (scenario promotion_vote_void_after_reconnect). The cost
    /// is liveness only: a promotion whose voter drops, or that needs a peer connecting
    /// meanwhile, fails and is retried.
    func promotionVoteShortfall(_ pending: PendingPromotion) -> String? {
        guard config.quorum != .off else { return nil }
        let input = quorumInput(counting: { pending.granted.contains($0.id) && $0.isConnected })
        guard !input.hasQuorum else { return nil }
        let others = peers.filter { !$0.config.disklessClient }.count
        return "only \(input.reachableDiskfulPeers) of the \(others) other replicas of \(config.resourceName) agreed to the promotion of \(config.nodeName) (the others lost the connection or were not connected when it was asked); promoting it could split the data"
    }

    /// Another connected peer whose generations show the requester `i` behind: its handshake
    /// listed the requester's current generation in its history (it, or a writer it followed,
    /// moved past it), and it is not at that generation now. `knowsNewerGeneration` asks this
    /// node's own generations; a voter can know of newer data only through a peer as well
    /// (seed 424: n1, SyncTarget of n0, connected to n2, which had started a generation past
    /// n0's as Primary; n1 finished its resync from n0, was UpToDate at n0's generation for the
    /// moment before its exchange with n2 made it a target again, and voted n0 in: n0 wrote a
    /// second child of the generation n2 had moved past). A voter is the node two majorities
    /// share; it says no when it can tell the requester lacks data some replica holds. The
    /// history comes from the handshake (a state report carries only the current generation);
    /// a peer that resynced since to another line of generations is refused too, until the
    /// next handshake (liveness only).
    func peerMovedPast(requester i: Int) -> Int? {
        let theirs = peers[i].current
        guard peers[i].disk.hasDisk, !theirs.isNone, !theirs.sameHistory(as: .justCreated) else { return nil }
        return peers.indices.first { j in
            guard j != i, peers[j].isConnected, peers[j].disk.hasDisk, !peers[j].current.sameHistory(as: theirs),
                  let seen = peers[j].handshake?.generations else { return false }
            return seen.historyHolds(theirs)
        }
    }
}

extension ReplicaInstance {
    /// Holds a yes to peer `i`'s promotion while the header holding this node's last change to
    /// its crashed-Primary state (`noteCrashedPrimaryStateChanged`) is not yet durable; true when
    /// held. The requester, once Primary, may acknowledge a protocol A write this node lacks; if
    /// both then crash, the reunion reads that state from disk, and the old one (a Primary crash
    /// settled by serving the requester, or the Primary mark a demotion cleared) makes this node
    /// the source over that write (CrashedPrimaryServedTests). So the vote, the one answer the
    /// requester's writes rely on, goes only once the header is on disk (DRBD too writes its
    /// metadata at the end of a resync, `drbd_md_sync_if_dirty` in `drbd_resync_finished`).
    ///
    /// Only toward a protocol A requester: with protocol C its writes are acknowledged only once
    /// this node (connected: it voted) holds them, and a crashed Primary yields at an equal
    /// generation anyway (`equal-crashed-primary`). Holding those votes too only delayed
    /// promotions (seed 216, protocol C, a vote held for a demotion's header: no convergence).
    /// Refusals go at once (they promise nothing), as does any vote from a node without a disk
    /// (nothing of its own to read at a reunion): a metadata write that fails (the disk Failed,
    /// then detached) lets a held vote be answered by the rules of a node without a disk. One
    /// held vote per requester: a new request replaces an older one (a requester runs one
    /// promotion at a time), which bounds the list by the peers.
    ///
    /// It waits likewise while a resync here waits on a lost protocol A writer's tail
    /// (`holdsLostWriterTail`): until the source has written this node's copies of the writes it
    /// lacks, a requester promoted meanwhile could write those blocks before the copies, or refuse
    /// them as Primary, and the writer's acknowledged write would be gone.
    mutating func holdPromotionVote(_ request: PromotionRequest, peer i: Int, since: UInt64) -> Bool {
        guard peers[i].config.replicationProtocol == .a, disk.hasDisk, !config.disklessClient,
              !metadataDurable(crashedPrimaryStateVersion) || primaryMarkAwaitsPeers || holdsLostWriterTail else { return false }
        heldPromotionVotes.removeAll { $0.peer == peers[i].id }
        heldPromotionVotes.append(HeldPromotionVote(peer: peers[i].id, request: request, since: since))
        let until = holdsLostWriterTail ? "its resync source holds the lost Primary's writes it lacked"
            : primaryMarkAwaitsPeers ? "its peers confirm the protocol A writes it made as Primary"
            : "this node's metadata records its crashed-Primary state"
        log(.info, "the promotion of node \(peers[i].id) (\(peers[i].config.name)) waits until \(until)")
        return true
    }

    /// Decides the held votes again once the header they waited for is durable (or the disk is
    /// gone): the rules are asked afresh, since the cluster may have moved meanwhile (another
    /// Primary, another grant). A vote held longer than the promotion timeout is refused: the
    /// requester has given up on it, and a yes it ignores would stay recorded here as a grant
    /// until its next state report, refusing every other requester meanwhile.
    mutating func answerHeldPromotionVotes() {
        guard !heldPromotionVotes.isEmpty,
              !disk.hasDisk || (metadataDurable(crashedPrimaryStateVersion) && (mut("F4a") || !primaryMarkAwaitsPeers) && !holdsLostWriterTail) else { return }
        let held = heldPromotionVotes
        heldPromotionVotes = []
        for vote in held {
            guard let i = peerIndex(vote.peer) else { continue }
            if now - vote.since > UInt64(config.promotionTimeoutTicks) {
                let reason = "node \(config.nodeID) (\(config.nodeName)) could not record its metadata or settle a lost Primary's writes within the promotion timeout; retry"
                send(.promotionReply(PromotionReply(id: vote.request.id, granted: false, reason: reason)), to: vote.peer)
                continue
            }
            onPromotionRequest(vote.request, peer: i, heldSince: vote.since)
        }
    }
}

/// A promotion request from `peer` this node would grant, waiting for its metadata
/// (`ReplicaInstance.holdPromotionVote`); `since` is the tick it arrived.
struct HeldPromotionVote: Sendable {
    var peer: NodeID
    var request: PromotionRequest
    var since: UInt64
}
