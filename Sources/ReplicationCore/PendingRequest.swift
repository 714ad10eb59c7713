/// A client request admitted by the core and not yet completed.
struct PendingRequest: Sendable {
    enum Phase: Sendable, Equatable {
        /// Not started: waiting for promotion, quorum, activity-log room or metadata.
        case queued
        /// Waiting until metadata `version` is durable, then issued.
        case waitingMetadata(version: UInt64)
        case started
    }
    var request: ClientRequest
    var submitTick: UInt64
    var phase: Phase = .queued
    /// Activity-log extents the write made active (nil: none, or not yet).
    var extents: ClosedRange<UInt32>?
    var localOp = false
    var localDone = false
    var localOK = false
    /// Peers whose ack (protocol C) or flush ack is still awaited.
    var waitingPeers = NodeSet()
    /// UpToDate replicas known to hold the data durably (or to have accepted it, protocol A).
    /// Copies on Inconsistent replicas do not count: a resync may still overwrite them.
    var durableCopies = 0
    /// Of `durableCopies`, the protocol A peers counted when the write was sent to them (UpToDate
    /// then): they rest on this node's own copy (`ReplicaInstance.ownCopiesLost`).
    var sentCopies = 0
    /// This node's own copy of the write is gone: its local write failed, or its disk failed
    /// while the write was pending (before or after the write landed there). `sentCopies` then
    /// rest on nothing and `Readiness` does not count them, whichever runs first of the disk
    /// failure's own steps (which may check this write) and the wait for those peers' answers.
    var localFailed = false
    /// Peers the write was sent to (to tell the others if one of them is lost).
    var sentTo = NodeSet()
    /// A peer this write was sent to dropped before acknowledging it.
    var lostCopy = false
    /// Those peers (`generationConfirmedOnDisk`).
    var lostTo = NodeSet()
    /// ... and the writer was without quorum at that moment or later while the write was pending:
    /// the replicas that would make the missed copy recognisable (a new generation known to a
    /// majority) may not know, so the write must not be acknowledged.
    var lostCopyWithoutQuorum = false
    /// Metadata version that must be durable before this write may be acknowledged: set when a
    /// peer dropped before acknowledging it and that loss started a new generation. Until the
    /// new generation is on disk a crash brings this node back at the old one, level with the
    /// peer that missed the write, and the protocol C crashed-Primary rule then resyncs this
    /// node from that peer (DRBD suspends I/O until the new current UUID is written).
    var ackBarrierVersion: UInt64 = 0
    /// A diskless writer's `ackBarrierVersion`: set when a peer dropped before acknowledging this
    /// write. The writer has no bitmap: the only record that the dropped peer lacks the write is
    /// the out-of-sync ranges (and new generation) it sends the peers holding copies. The write
    /// is acknowledged once an UpToDate peer answered the probe sent after them
    /// (`PeerState.lostCopyProbeAnswered`), so it has them. Acknowledged on the holder's write
    /// acknowledgement alone, a crash of the writer with both still queued left the holder and
    /// the dropped peer UpToDate at one generation with no bit between them, and the write was
    /// resynced away (simulation seed 683, `DisklessWriterLostCopyTests`).
    var ackProbe: UInt64?
    /// A diskful writer's new generation that a lost copy of this write started
    /// (`ReplicaInstance.peerStoppedReceiving`), quorum on. The write is acknowledged only once
    /// no quorum can form without this node, an UpToDate peer that acknowledged the write or a
    /// peer that answered a probe sent behind the generation's announcement
    /// (`ReplicaInstance.lostCopyGenerationKnown`): every later majority then includes a node
    /// that holds the write or refuses to vote a node still at the old generation into a
    /// Primary. The quorum the node had may count a peer holding neither (it connected after
    /// the write went out, and its link dropped with the announcement queued): that peer voted
    /// the node that missed the write in at the old generation, and at the reunion this node's
    /// unconfirmed generation yielded and the write was resynced away (simulation seed 1606;
    /// scenario lost_copy_generation_reaches_quorum). DRBD makes a new current UUID a
    /// cluster-wide state change that the write waits for.
    var lostCopyGeneration: Generation?
    /// The probe sent for `lostCopyGeneration`, once the holders alone did not suffice (sent
    /// only then: it delays the acknowledgement by a round trip).
    var announcementProbe: UInt64?
    /// UpToDate peers that acknowledged the write (protocol C): they hold it.
    var heldBy = NodeSet()
    var sequence: UInt64 = 0
    var flushNumber: UInt64 = 0
    var remoteRead: (peer: NodeID, id: UInt64)?
    var triedPeers: [NodeID] = []

    var isWrite: Bool {
        switch request.operation {
        case .write, .trim, .writeZeroes: return true
        case .read, .flush: return false
        }
    }

    /// What `checkDone` needs of a started request with nothing left to wait for. Taken
    /// through an `inout` access to the request table, which reads the fields in place: a copy
    /// of the request (payload, extents and peer lists retained, then released) was the
    /// largest single cost of the core's completion path.
    struct Readiness {
        var durableCopies: Int
        /// The peers it was sent to that did not drop before answering it: each took the
        /// announcement of the generation it was issued in (`generationConfirmedOnDisk`).
        var answeredBy: NodeSet
        var isWrite: Bool
        var isFlush: Bool
        var lostCopyWithoutQuorum: Bool
        var ackBarrierVersion: UInt64
        var ackProbe: UInt64?
        var lostCopyGeneration: Generation?
        var announcementProbe: UInt64?
        var heldBy: NodeSet
        var sequence: UInt64
        /// The write landed here while this node was UpToDate, and its disk is not any more.
        var localCopyOutdated: Bool

        /// nil while the request is not started or still waits for its local operation, a peer
        /// or a remote read. `upToDate`: this node's disk is UpToDate now. A write's local copy
        /// counts only then, not only when it landed (`localOK`): a Primary whose disk turned
        /// Outdated meanwhile (a newer generation reached it, `becomeOutdated`) holds it on data
        /// that the resync from the newer node overwrites, so acknowledged on that copy alone it
        /// is lost (simulation seed 524; OutdatedPrimaryAckTests). A flush keeps its local
        /// count: it promises only what this node's earlier acknowledgements already rested on.
        init?(_ pending: inout PendingRequest, upToDate: Bool) {
            guard pending.phase == .started, !(pending.localOp && !pending.localDone),
                  pending.waitingPeers.isEmpty, pending.remoteRead == nil else { return nil }
            answeredBy = pending.sentTo.subtracting(pending.lostTo)
            isWrite = pending.isWrite
            localCopyOutdated = pending.localOp && pending.localOK && isWrite && !upToDate
            durableCopies = pending.durableCopies - (pending.localFailed && !mut("N3") ? pending.sentCopies : 0)
                + (pending.localOp && pending.localOK && !localCopyOutdated ? 1 : 0)
            if case .flush = pending.request.operation { isFlush = true } else { isFlush = false }
            lostCopyWithoutQuorum = pending.lostCopyWithoutQuorum
            ackBarrierVersion = pending.ackBarrierVersion
            ackProbe = pending.ackProbe
            lostCopyGeneration = pending.lostCopyGeneration
            announcementProbe = pending.announcementProbe
            heldBy = pending.heldBy
            sequence = pending.sequence
        }
    }
}

/// A promotion waiting for the peers' answers (DRBD's two-phase commit, first phase).
struct PendingPromotion: Sendable {
    var id: UInt64
    var waiting: [NodeID]
    var startTick: UInt64
    var force: Bool
    var adminID: AdminRequestID?
    var automatic: Bool
    /// The peers that answered yes: the promotion's quorum is counted from them alone
    /// (`promotionVoteShortfall`).
    var granted: [NodeID] = []
}
