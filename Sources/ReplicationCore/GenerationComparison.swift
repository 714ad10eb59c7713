/// The sync decision between two replicas from their handshakes (DRBD `drbd_uuid_compare`,
/// simplified: bitmap-slot copying (rules 4 and 6) falls back to a full sync).
///
/// The function is antisymmetric — `compare(a, b)` is the mirror of `compare(b, a)` — so both
/// ends of a connection reach the same plan without another round trip.
enum GenerationComparison {
    struct Result: Equatable {
        var decision: SyncDecision
        /// For equal generations: the direction applies only if some block is out of sync.
        var onlyIfBits: Bool
        /// DRBD's rule name, for logs and golden output.
        var rule: Rule
    }

    /// The rule that decided, by its name in logs and golden output (the raw value). A type, not
    /// a string, so that code acting on which rule decided (`negotiate`'s log of a standoff)
    /// names rules the compiler knows.
    enum Rule: String, CustomStringConvertible {
        case bothInconsistent = "both-inconsistent"
        case bothJustCreated = "both-just-created"
        case divergedBothInconsistent = "diverged-both-inconsistent"
        case commonHistoryPeerDiskFailed = "common-history-peer-disk-failed"
        case commonHistoryPeerInconsistent = "common-history-peer-inconsistent"
        case commonHistoryPeerPrimaryLostQuorum = "common-history-peer-primary-lost-quorum"
        case commonHistoryPeerUnconfirmedGeneration = "common-history-peer-unconfirmed-generation"
        case commonHistorySelfDiskFailed = "common-history-self-disk-failed"
        case commonHistorySelfInconsistent = "common-history-self-inconsistent"
        case commonHistorySelfPrimaryLostQuorum = "common-history-self-primary-lost-quorum"
        case commonHistorySelfUnconfirmedGeneration = "common-history-self-unconfirmed-generation"
        case equalCrashed = "equal-crashed"
        case equalCrashedPrimary = "equal-crashed-primary"
        case equalCrashedPrimaryProtocolA = "equal-crashed-primary-protocol-a"
        case equalLowerNodeId = "equal-lower-node-id"
        case equalPeerDiskFailed = "equal-peer-disk-failed"
        case equalPeerHoldsMissedWrites = "equal-peer-holds-missed-writes"
        case equalPeerInconsistent = "equal-peer-inconsistent"
        case equalPeerOutdated = "equal-peer-outdated"
        case equalPeerPrimary = "equal-peer-primary"
        case equalPeerTracksChanges = "equal-peer-tracks-changes"
        case equalSelfDiskFailed = "equal-self-disk-failed"
        case equalSelfHoldsMissedWrites = "equal-self-holds-missed-writes"
        case equalSelfInconsistent = "equal-self-inconsistent"
        case equalSelfOutdated = "equal-self-outdated"
        case equalSelfPrimary = "equal-self-primary"
        case equalSelfTracksChanges = "equal-self-tracks-changes"
        case justCreatedPeer = "just-created-peer"
        case justCreatedSelf = "just-created-self"
        case myBitmapIsPeerCurrent = "my-bitmap-is-peer-current"
        case myCurrentInPeerHistory = "my-current-in-peer-history"
        case peerBitmapIsMyCurrent = "peer-bitmap-is-my-current"
        case peerCurrentInMyHistory = "peer-current-in-my-history"
        case peerInconsistentChildOfMyCurrent = "peer-inconsistent-child-of-my-current"
        case peerInconsistentPastMyFailedDisk = "peer-inconsistent-past-my-failed-disk"
        case selfInconsistentChildOfPeerCurrent = "self-inconsistent-child-of-peer-current"
        case selfInconsistentPastPeerFailedDisk = "self-inconsistent-past-peer-failed-disk"
        case splitBrainCommonHistory = "split-brain-common-history"
        case splitBrainDiscardMine = "split-brain-discard-mine"
        case splitBrainPeerDiscards = "split-brain-peer-discards"
        case splitBrainPeerDiskFailed = "split-brain-peer-disk-failed"
        case splitBrainPeerInconsistentUnconfirmed = "split-brain-peer-inconsistent-unconfirmed"
        case splitBrainPeerPrimaryLostQuorum = "split-brain-peer-primary-lost-quorum"
        case splitBrainPeerUnconfirmedGeneration = "split-brain-peer-unconfirmed-generation"
        case splitBrainSameParent = "split-brain-same-parent"
        case splitBrainSelfDiskFailed = "split-brain-self-disk-failed"
        case splitBrainSelfInconsistentUnconfirmed = "split-brain-self-inconsistent-unconfirmed"
        case splitBrainSelfPrimaryLostQuorum = "split-brain-self-primary-lost-quorum"
        case splitBrainSelfUnconfirmedGeneration = "split-brain-self-unconfirmed-generation"
        case unrelatedData = "unrelated-data"

        var description: String { rawValue }
    }

    /// - Parameter asynchronous: the connection replicates with protocol A (acknowledged writes
    ///   of a crashed Primary may exist only on its own disk).
    static func compare(mine: Handshake, peer: Handshake, asynchronous: Bool = false) -> Result {
        let result = plan(mine: mine, peer: peer, asynchronous: asynchronous)
        // A disk back from its failure record is UpToDate at the generation it failed at, which
        // a writer may have moved past without it (the record's flag says it may lack that
        // generation's writes). An Inconsistent target that knows that generation was moved past
        // and took the newer writer's writes holds writes the failed disk lacks, acknowledged
        // ones among them, which a resync from it would take away. Neither serves the other; the
        // connection plans again once one of them has been resynced (seeds 2698 and 2656,
        // FailedDiskReattachedPromotedTests: the failed disk was the source of such a target and
        // resynced away an acknowledged write whose other copy was on the down writer alone).
        // DRBD attaches that disk Outdated; here it stays UpToDate (it alone may hold a cluster's
        // data) and only a peer that knows better refuses it. Narrower than it could be, by
        // measurement: refusing every source at a generation the target knows superseded made 10
        // fixed seeds of ReplicationCoreTests stop converging and replicas differ in seed 900
        // (a replica that stayed there with every acknowledged write may still serve), and
        // without the writes, fixed seed 7 acknowledged no write (its target, a failed disk
        // too, had taken no write since it fell behind).
        if result.decision.isSource && knowsSuperseded(peer, mine) {
            return Result(decision: .bothJustCreated, onlyIfBits: false, rule: .peerInconsistentPastMyFailedDisk)
        }
        if result.decision.isTarget && knowsSuperseded(mine, peer) {
            return Result(decision: .bothJustCreated, onlyIfBits: false, rule: .selfInconsistentPastPeerFailedDisk)
        }
        return result
    }

    /// The newest generation both sides hold (a current or in the history), newest by `mine`'s
    /// order; nil when they share none (unrelated data).
    static func newestCommonGeneration(_ mine: Handshake, _ peer: Handshake) -> Generation? {
        let peerAll = [peer.generations.current] + peer.generations.history
        return ([mine.generations.current] + mine.generations.history).first { g in
            !g.isNone && peerAll.contains { $0.sameHistory(as: g) }
        }
    }

    /// Whether the bitmaps the two sides hold toward each other cover every block either changed
    /// since their split brain began, so that a `--discard-my-data` can resync their union. Only
    /// two children of one parent whose bitmaps both count from it (`split-brain-same-parent`),
    /// neither side Inconsistent. At common history no bitmap counted both sides' changes since
    /// the newest generation both hold (a resync from a third node leaves a replica's bitmaps
    /// toward the others without a generation, their bits only what its source tracked:
    /// CommonHistoryDiscardTests). An Inconsistent side holds blocks its interrupted resync
    /// brought from a third node, which no bitmap toward this peer marks (scenario
    /// split_brain_inconsistent_side_bitmap). Elsewhere the discarding side takes a full sync.
    /// DRBD 8.4 resyncs in full where it resolves a rule-100 (history only) split brain by an
    /// after-sb policy ("UUIDs where ambiguous") or where a side is Inconsistent at it ("due to
    /// disk states"); its manual discard keeps the bitmap, which with one peer holds every change
    /// since the disconnect. Bitmap slots per peer, cleared or restarted by resyncs with third
    /// nodes, do not.
    static func discardResyncsBitmaps(_ rule: Rule, mine: Handshake, peer: Handshake) -> Bool {
        rule == .splitBrainSameParent && !mine.flags.contains(.inconsistent) && !peer.flags.contains(.inconsistent)
    }

    /// The plan of a split brain (`splitBrain`, decided by `split-brain-same-parent` or
    /// `split-brain-common-history`) that the operator resolved with `--discard-my-data`:
    /// `iDiscard` says this side throws its changes away (else the peer does).
    static func discardResolution(of splitBrain: Result, mine: Handshake, peer: Handshake, iDiscard: Bool) -> Result {
        let bitmaps = discardResyncsBitmaps(splitBrain.rule, mine: mine, peer: peer)
        return iDiscard
            ? Result(decision: bitmaps ? .targetUseBitmap : .targetFull, onlyIfBits: false, rule: .splitBrainDiscardMine)
            : Result(decision: bitmaps ? .sourceUseBitmap : .sourceFull, onlyIfBits: false, rule: .splitBrainPeerDiscards)
    }

    /// `target` is Inconsistent with a newer writer's writes, and holds the current generation of
    /// `source`, a disk back from its failure record, among those it knows a writer moved past.
    static func knowsSuperseded(_ target: Handshake, _ source: Handshake) -> Bool {
        source.flags.contains(.diskFailed) && target.flags.contains(.inconsistent) && target.flags.contains(.tookNewerWrites)
            && target.supersededGenerations.contains { $0.sameHistory(as: source.generations.current) }
    }

    static func plan(mine: Handshake, peer: Handshake, asynchronous: Bool) -> Result {
        let myCurrent = mine.generations.current
        let peerCurrent = peer.generations.current
        let mineJust = myCurrent.sameHistory(as: .justCreated)
        let peerJust = peerCurrent.sameHistory(as: .justCreated)
        if mineJust && peerJust { return Result(decision: .bothJustCreated, onlyIfBits: false, rule: .bothJustCreated) }
        if mineJust { return Result(decision: .targetFull, onlyIfBits: false, rule: .justCreatedSelf) }
        if peerJust { return Result(decision: .sourceFull, onlyIfBits: false, rule: .justCreatedPeer) }

        if myCurrent.sameHistory(as: peerCurrent) {
            return equalCurrent(mine: mine, peer: peer, asynchronous: asynchronous)
        }
        let peerBitmapForMe = peer.generations.bitmapGeneration(for: mine.nodeID)
        let myBitmapForPeer = mine.generations.bitmapGeneration(for: peer.nodeID)
        let peerTracksMe = !peerBitmapForMe.isNone && peerBitmapForMe.sameHistory(as: myCurrent)
        let iTrackPeer = !myBitmapForPeer.isNone && myBitmapForPeer.sameHistory(as: peerCurrent)
        if peerTracksMe && !iTrackPeer {
            return Result(decision: .targetUseBitmap, onlyIfBits: false, rule: .peerBitmapIsMyCurrent)
        }
        if iTrackPeer && !peerTracksMe {
            return Result(decision: .sourceUseBitmap, onlyIfBits: false, rule: .myBitmapIsPeerCurrent)
        }
        let mineInPeerHistory = peer.generations.historyHolds(myCurrent)
            || peer.generations.bitmap.contains { !$0.generation.isNone && $0.generation.sameHistory(as: myCurrent) }
        let peerInMyHistory = mine.generations.historyHolds(peerCurrent)
            || mine.generations.bitmap.contains { !$0.generation.isNone && $0.generation.sameHistory(as: peerCurrent) }
        // One side Inconsistent at a direct child of the other side's current, which it does not
        // track by a bitmap: DRBD's "due to disk states" (drbd_sync_handshake: exactly one side
        // Inconsistent, it becomes the target whatever the generations say, with a full sync).
        // Such a side took a writer's new generation while it waited for a bitmap from a source
        // at the parent (the writer counted that source connected, not absent), and that resync
        // made it Inconsistent at the child (seeds 2878, 4581, InconsistentNewerSourceTests): by
        // history it is the newer side, so the consistent side was made its paused target,
        // waiting for a source that only it could make UpToDate. Nothing acknowledged rests on
        // the Inconsistent copy from here (a write's acknowledgement never counts an Inconsistent
        // copy, `PendingRequest.durableCopies`), and the yielding side notes the parent
        // superseded (`negotiate`) so that no replica left at it is voted in beside a holder of
        // the child's acknowledged writes. Not where the child tracks the parent's side by a
        // bitmap (`peer-bitmap-is-my-current`): it took the child UpToDate with that side absent,
        // its copy may be one an acknowledgement counted, and it waits for its own source at the
        // child. Applied there too, before the bitmap rules, 1…800 had nine more runs that
        // acknowledged no write and four fewer (fixed seed 7 among the nine: a full sync where a
        // bitmap resync from a third node would have ended the stall).
        let inconsistentChild = inconsistentChild(mine: mine, peer: peer)
        if mineInPeerHistory && !peerInMyHistory {
            if inconsistentChild == peer.nodeID {
                return Result(decision: .sourceFull, onlyIfBits: false, rule: .peerInconsistentChildOfMyCurrent)
            }
            return Result(decision: .targetFull, onlyIfBits: false, rule: .myCurrentInPeerHistory)
        }
        if peerInMyHistory && !mineInPeerHistory {
            if inconsistentChild == mine.nodeID {
                return Result(decision: .targetFull, onlyIfBits: false, rule: .selfInconsistentChildOfPeerCurrent)
            }
            return Result(decision: .sourceFull, onlyIfBits: false, rule: .peerCurrentInMyHistory)
        }
        // Both changed since a common generation. DRBD: a side that lost quorum as Primary yields
        // and becomes SyncTarget — nothing it wrote after that was acknowledged (acknowledging
        // needs quorum), while the other side's writes were.
        let myLostQuorum = mine.flags.contains(.primaryLostQuorum)
        let peerLostQuorum = peer.flags.contains(.primaryLostQuorum)
        // The same for a side whose current generation it started as Primary and acknowledged
        // no write in (a crashed Primary whose announcement never left it, seed 716): its changes
        // since the common generation were never acknowledged. DRBD detects this split brain too
        // (drbd9-tests quorum-lost-uuid) and leaves it to after-sb-0pri discard-zero-changes,
        // which holds only while the isolated Primary wrote nothing; the flag says what was
        // acknowledged, not what was written.
        let myUnconfirmed = mine.flags.contains(.generationUnconfirmed)
        let peerUnconfirmed = peer.flags.contains(.generationUnconfirmed)
        // Both Inconsistent (each began yielding to a third node and was interrupted): neither
        // holds a whole replica, so neither is the other's source, and neither branch is at
        // stake between them: what was acknowledged in either is on the replica each was being
        // resynced from. Not a split brain to stop at (StandAlone until an operator acts; seed
        // 3048: n0 and n1, both targets of n2, met after n2 crashed): no source between them,
        // planned again once one of them has been resynced, as `both-inconsistent` at one
        // generation. Only where the rules below would stop at a split brain.
        let bothInconsistent = mine.flags.contains(.inconsistent) && peer.flags.contains(.inconsistent)
        let myInconsistentOnly = mine.flags.contains(.inconsistent) && !peer.flags.contains(.inconsistent)
        let peerInconsistentOnly = peer.flags.contains(.inconsistent) && !mine.flags.contains(.inconsistent)
        var myYieldsUnconfirmed = myUnconfirmed && !peerUnconfirmed
        var peerYieldsUnconfirmed = peerUnconfirmed && !myUnconfirmed
        // Both unconfirmed children of one parent: neither side's changes since the parent were
        // acknowledged, so either may yield — but an Inconsistent side (one that began yielding
        // and was interrupted: it keeps its generation until its resync ends) cannot be the
        // source, so it is the one (seeds 1110, 1143).
        if myUnconfirmed && peerUnconfirmed, let myParent = mine.generations.history.first,
           let peerParent = peer.generations.history.first, !myParent.isNone, myParent.sameHistory(as: peerParent) {
            myYieldsUnconfirmed = myInconsistentOnly
            peerYieldsUnconfirmed = peerInconsistentOnly
            if !mine.flags.contains(.inconsistent) && !peer.flags.contains(.inconsistent) {
                // Both UpToDate siblings, neither acknowledged a write since the parent: one must
                // yield or the connection stops at a split brain that puts nothing acknowledged
                // at stake (seed 1794, ForgottenGenerationSiblingTests). Both ends pick the same
                // one from the same two handshakes: the higher node id. A live Primary is never
                // one of them: it does not send the flag (`makeHandshake`; a resync into it would
                // change data under its users), so beside an unconfirmed sibling it is the side
                // that stays, by the rules above. (Session 20 also asked for "not a live Primary"
                // here, a case no handshake can carry.)
                myYieldsUnconfirmed = mine.nodeID > peer.nodeID
                peerYieldsUnconfirmed = !myYieldsUnconfirmed
            }
        }
        // The flag speaks of the current generation only: a side yields on it only where that
        // generation is its whole branch (its parent is one the other side knows). Otherwise the
        // branch holds an older generation of its own, in which writes may have been
        // acknowledged (seed 1068: n1's C81C held acknowledged c95 below its unconfirmed EFB2;
        // UnconfirmedOlderBranchTests), and both branches changed: a split brain, as in DRBD.
        // This only takes yields away (never makes the other side yield instead), so where both
        // sides carry the flag the rules above still decide.
        if myYieldsUnconfirmed && !unconfirmedGenerationIsWholeBranch(mine, besides: peer) { myYieldsUnconfirmed = false }
        if peerYieldsUnconfirmed && !unconfirmedGenerationIsWholeBranch(peer, besides: mine) { peerYieldsUnconfirmed = false }
        // A disk that failed at its current generation and came back from its last record holds a
        // prefix of that generation's writes: whatever was acknowledged in it is on the replicas
        // that kept writing (seed 781: n1 restarted from its record at ED21 beside n0 at F965,
        // another child of their parent, started by a diskless Primary that had forgotten ED21).
        let myDiskFailed = mine.flags.contains(.diskFailed)
        let peerDiskFailed = peer.flags.contains(.diskFailed)
        // One side Inconsistent: DRBD's drbd_sync_handshake makes it the target "due to disk
        // states" whatever the generations say, with a full sync. Such a side began yielding and
        // was interrupted (it keeps its generation until the resync into it ends): it holds part
        // of each side's data and cannot serve. Before the Primary-lost-quorum rule: seed 781's
        // Primary without quorum yielded to an Inconsistent failed disk and nothing was left to
        // resync from. Only where no bitmap covers both sides (common history, a full sync):
        // `myInconsistentOnly` / `peerInconsistentOnly` below.
        if !myBitmapForPeer.isNone && myBitmapForPeer.sameHistory(as: peerBitmapForMe) {
            // Same parent: each side's bitmap holds what it changed since; the union is resynced.
            // Not the general Inconsistent rule here: an Inconsistent side holds blocks its
            // interrupted resync brought from a third node, in no bitmap toward this peer (review's
            // split_brain_inconsistent_side_bitmap: UpToDate replicas differed), and where its
            // branch holds acknowledged writes a full sync resyncs them away.
            // But an Inconsistent side whose own flag says nothing of its branch was acknowledged
            // (its current generation, a child of the parent, is unconfirmed) yields with a FULL
            // sync (DRBD's "due to disk states", hg*2), before the other side's flags: that side
            // may have lost quorum as Primary after acknowledging writes in its branch, and
            // yielding to an Inconsistent side that cannot serve, every resync waited for good
            // (seeds 982, 992, scenario split_brain_unconfirmed_inconsistent_side; in 1504 the
            // bitmap yield never converged). Only where the unconfirmed generation is the whole
            // branch: an older generation of its own since the parent may hold acknowledged writes
            // (seed 1068: n1's C81C held acknowledged c95 below its unconfirmed EFB2). Both ends
            // read it from the same two handshakes.
            if myInconsistentOnly && myUnconfirmed && startsFromParent(mine, parent: myBitmapForPeer) {
                return Result(decision: .targetFull, onlyIfBits: false, rule: .splitBrainSelfInconsistentUnconfirmed)
            }
            if peerInconsistentOnly && peerUnconfirmed && startsFromParent(peer, parent: peerBitmapForMe) {
                return Result(decision: .sourceFull, onlyIfBits: false, rule: .splitBrainPeerInconsistentUnconfirmed)
            }
            if myLostQuorum != peerLostQuorum {
                return Result(decision: myLostQuorum ? .targetUseBitmap : .sourceUseBitmap, onlyIfBits: false,
                              rule: myLostQuorum ? .splitBrainSelfPrimaryLostQuorum : .splitBrainPeerPrimaryLostQuorum)
            }
            if myDiskFailed != peerDiskFailed {
                return Result(decision: myDiskFailed ? .targetUseBitmap : .sourceUseBitmap, onlyIfBits: false,
                              rule: myDiskFailed ? .splitBrainSelfDiskFailed : .splitBrainPeerDiskFailed)
            }
            if myYieldsUnconfirmed != peerYieldsUnconfirmed {
                return Result(decision: myYieldsUnconfirmed ? .targetUseBitmap : .sourceUseBitmap, onlyIfBits: false,
                              rule: myYieldsUnconfirmed ? .splitBrainSelfUnconfirmedGeneration : .splitBrainPeerUnconfirmedGeneration)
            }
            if bothInconsistent { return Result(decision: .bothJustCreated, onlyIfBits: false, rule: .divergedBothInconsistent) }
            return Result(decision: .splitBrain, onlyIfBits: false, rule: .splitBrainSameParent)
        }
        if newestCommonGeneration(mine, peer) != nil {
            // No bitmap covers both sides' changes: the side that yields takes a full sync.
            if myInconsistentOnly || peerInconsistentOnly {
                return Result(decision: myInconsistentOnly ? .targetFull : .sourceFull, onlyIfBits: false,
                              rule: myInconsistentOnly ? .commonHistorySelfInconsistent : .commonHistoryPeerInconsistent)
            }
            if myLostQuorum != peerLostQuorum {
                return Result(decision: myLostQuorum ? .targetFull : .sourceFull, onlyIfBits: false,
                              rule: myLostQuorum ? .commonHistorySelfPrimaryLostQuorum : .commonHistoryPeerPrimaryLostQuorum)
            }
            if myDiskFailed != peerDiskFailed {
                return Result(decision: myDiskFailed ? .targetFull : .sourceFull, onlyIfBits: false,
                              rule: myDiskFailed ? .commonHistorySelfDiskFailed : .commonHistoryPeerDiskFailed)
            }
            if myYieldsUnconfirmed != peerYieldsUnconfirmed {
                return Result(decision: myYieldsUnconfirmed ? .targetFull : .sourceFull, onlyIfBits: false,
                              rule: myYieldsUnconfirmed ? .commonHistorySelfUnconfirmedGeneration : .commonHistoryPeerUnconfirmedGeneration)
            }
            if bothInconsistent { return Result(decision: .bothJustCreated, onlyIfBits: false, rule: .divergedBothInconsistent) }
            return Result(decision: .splitBrain, onlyIfBits: false, rule: .splitBrainCommonHistory)
        }
        return Result(decision: .unrelated, onlyIfBits: false, rule: .unrelatedData)
    }

    /// The node of the one Inconsistent side whose current generation is a direct child of the
    /// other, consistent, side's current (its history's newest entry); nil otherwise.
    static func inconsistentChild(mine: Handshake, peer: Handshake) -> NodeID? {
        let myInconsistent = mine.flags.contains(.inconsistent)
        guard myInconsistent != peer.flags.contains(.inconsistent) else { return nil }
        let (child, parent) = myInconsistent ? (mine, peer) : (peer, mine)
        return startsFromParent(child, parent: parent.generations.current) ? child.nodeID : nil
    }

    /// `side`'s current generation is a child of one `other` knows (its current, its history or a
    /// bitmap's start): whatever `side` changed since the generations they share was written in
    /// that one generation.
    static func unconfirmedGenerationIsWholeBranch(_ side: Handshake, besides other: Handshake) -> Bool {
        guard let previous = side.generations.history.first, !previous.isNone else { return false }
        return other.generations.current.sameHistory(as: previous)
            || other.generations.historyHolds(previous)
            || other.generations.bitmap.contains { !$0.generation.isNone && $0.generation.sameHistory(as: previous) }
    }

    /// `side`'s current generation is a direct child of `parent` (its history's newest entry):
    /// whatever `side` changed since `parent` was written in that one generation.
    static func startsFromParent(_ side: Handshake, parent: Generation) -> Bool {
        guard let previous = side.generations.history.first, !previous.isNone else { return false }
        return previous.sameHistory(as: parent)
    }

    /// `side`'s bits toward `other` track changes since an older generation, yet `other` is at
    /// `side`'s current generation (equal currents): `other` reached it through a resync from a
    /// third replica, which brought everything those bits mark. DRBD updates the bitmap UUID on
    /// all peers when a resync finishes; here the handshake finds it out. The bits are dropped
    /// (not resynced a second time) — unless `other` is Inconsistent or Outdated, when they may
    /// still matter: an Outdated node at this generation is known to lack some of its writes (seed 57).
    /// The writer keeps the blocks of its writes still in flight (`keepInFlightWritesOutOfSync`).
    static func bitmapIsStale(of side: Handshake, toward other: Handshake) -> Bool {
        let tracked = side.generations.bitmapGeneration(for: other.nodeID)
        return !tracked.isNone && !tracked.sameHistory(as: side.generations.current)
            && other.generations.current.sameHistory(as: side.generations.current)
            && !other.flags.contains(.inconsistent) && other.disk != .outdated
    }

    /// Same current generation: nobody started a new one. Differences can only come from
    /// in-flight writes (activity log after a crash) or verify findings; decide who is source.
    static func equalCurrent(mine: Handshake, peer: Handshake, asynchronous: Bool) -> Result {
        let myInconsistent = mine.flags.contains(.inconsistent)
        let peerInconsistent = peer.flags.contains(.inconsistent)
        if myInconsistent && peerInconsistent {
            return Result(decision: .bothJustCreated, onlyIfBits: false, rule: .bothInconsistent)
        }
        // An Inconsistent replica at this generation is an interrupted resync target: every block
        // it still lacks is marked in its bitmaps (bits clear only once resync data is written),
        // and it sends their union in the exchange — the resync continues, it does not restart
        // as a full sync.
        if myInconsistent { return Result(decision: .targetUseBitmap, onlyIfBits: false, rule: .equalSelfInconsistent) }
        if peerInconsistent { return Result(decision: .sourceUseBitmap, onlyIfBits: false, rule: .equalPeerInconsistent) }
        // A disk that failed at this generation and came back from its last record may lack
        // writes the other side holds (the one that failed on it at least; DRBD attaches it
        // Outdated): it is the target, whatever the bits say, and Outdated until resynced
        // (seed 348). Before the Outdated rule: an Outdated peer may hold those writes.
        let myFailed = mine.flags.contains(.diskFailed)
        let peerFailed = peer.flags.contains(.diskFailed)
        if myFailed != peerFailed {
            return Result(decision: myFailed ? .targetUseBitmap : .sourceUseBitmap, onlyIfBits: false,
                          rule: myFailed ? .equalSelfDiskFailed : .equalPeerDiskFailed)
        }
        // Bits toward a peer are set by the replica that has a write the peer missed (writer
        // could not reach it, a peer ack never came): the side that alone tracks differences is
        // the one holding the data. Bits made stale by a third replica's resync do not count.
        let mineTracks = mine.outOfSyncBlocks > 0 && !bitmapIsStale(of: mine, toward: peer)
        let peerTracks = peer.outOfSyncBlocks > 0 && !bitmapIsStale(of: peer, toward: mine)
        // An Outdated side learned earlier that it is behind: it never serves as the source —
        // unless it is Outdated only by its own quorum loss (it met no newer data since) and it
        // alone tracks writes the peer missed. Nobody moved past this generation (a writer's
        // first write after losing a peer starts a new one), so the quorum loss says nothing
        // against this peer, while the bits say the peer lacks writes this side holds: protocol A
        // writes acknowledged before the link to the peer and then quorum were lost (seed 225,
        // with promotion quorums counted from yes votes: the peer crashed, came back UpToDate
        // at the same generation and was made the source, losing the acknowledged write). DRBD's
        // `drbd_uuid_compare` does not look at the Outdated state at equal generations.
        // With protocol A a crashed side's bits do not take the exception away: its crash marked
        // its hot activity-log extents toward every peer, which says its blocks may differ, not
        // that it holds a write the Outdated side lacks (seed 930: n0, the protocol A writer,
        // demoted and then Outdated by its quorum loss, held acknowledged c95 and its bit toward
        // n1; n1 crashed without c95 and came back UpToDate at the same generation with its
        // crash's bits, was made the source and c95 was resynced away). Neither side then counts
        // as Outdated, and the crashed-side rules below make the crashed one yield. With protocol
        // C every replica connected when a write was acknowledged holds it, so the exception is
        // not needed to keep it; discounting the crash's bits there too saved no write and added
        // four runs that acknowledged nothing (seeds 111, 651, 897, 1089). The Outdated side's own
        // bits count even after its own crash: discounting them too lost seed 225's write again
        // (its Outdated holder had restarted). Crash-only bits say the same wherever they came
        // from: a resync target of a crashed source takes the source's crash-only bits toward third
        // nodes as its own (protocol 24, `ResyncReply.crashOnlyToward`) and, no longer flagged
        // crashed itself, counted them as writes: in protocol_a_outdated_writer_beside_crashed_peer
        // n2, resynced from the crashed n1, held n1's crash bits toward n0 and became the
        // Outdated n0's source over its acknowledged c2. So a side whose bits are all crash-only
        // does not track writes either.
        let mineTracksWrites = mineTracks && !(asynchronous && (mine.flags.contains(.crashed) || (!mut("C4") && !mut("C4m") && mine.outOfSyncBlocks <= mine.crashMarkedBlocks)))
        let peerTracksWrites = peerTracks && !(asynchronous && (peer.flags.contains(.crashed) || (!mut("C4") && peer.outOfSyncBlocks <= peer.crashMarkedBlocks)))
        let myOutdated = mine.disk == .outdated && !(mine.flags.contains(.outdatedByQuorumLoss) && mineTracks && !peerTracksWrites)
        let peerOutdated = peer.disk == .outdated && !(peer.flags.contains(.outdatedByQuorumLoss) && peerTracks && !mineTracksWrites)
        if myOutdated != peerOutdated {
            return Result(decision: myOutdated ? .targetUseBitmap : .sourceUseBitmap, onlyIfBits: true,
                          rule: myOutdated ? .equalSelfOutdated : .equalPeerOutdated)
        }
        if mine.role == .primary { return Result(decision: .sourceUseBitmap, onlyIfBits: true, rule: .equalSelfPrimary) }
        if peer.role == .primary { return Result(decision: .targetUseBitmap, onlyIfBits: true, rule: .equalPeerPrimary) }
        let myCrashedPrimary = mine.flags.contains(.crashedPrimary)
        let peerCrashedPrimary = peer.flags.contains(.crashedPrimary)
        // DRBD: with protocol C the survivor of a crashed Primary is the source (whatever only the
        // crashed Primary wrote was never acknowledged); with protocol A the crashed Primary is
        // the source (it acknowledged writes its peers may never have received).
        if myCrashedPrimary != peerCrashedPrimary {
            let iAmSource = asynchronous ? myCrashedPrimary : !myCrashedPrimary
            return Result(decision: iAmSource ? .sourceUseBitmap : .targetUseBitmap, onlyIfBits: true,
                          rule: asynchronous ? .equalCrashedPrimaryProtocolA : .equalCrashedPrimary)
        }
        let myCrashed = mine.flags.contains(.crashed)
        let peerCrashed = peer.flags.contains(.crashed)
        if myCrashed != peerCrashed {
            return Result(decision: myCrashed ? .targetUseBitmap : .sourceUseBitmap, onlyIfBits: true, rule: .equalCrashed)
        }
        if mineTracks != peerTracks {
            return Result(decision: mineTracks ? .sourceUseBitmap : .targetUseBitmap, onlyIfBits: true,
                          rule: mineTracks ? .equalSelfTracksChanges : .equalPeerTracksChanges)
        }
        // Both track, and both crashed or neither: a side whose bits record writes the other
        // missed (set by a write, not only by its crash's activity-log extents) holds data the
        // other lacks, while bits only a crash set say a block may differ. DRBD, at equal current UUIDs with no
        // crashed Primary, plans no resync and keeps the bits; a union resync here needs a
        // direction, and the side with only crash bits yields. Seed 600: n2, protocol A Primary,
        // acknowledged c2 on sending it to n0, whose resync from n2 then ended before c2 reached
        // its disk; both crashed (n2 demoted first) and came back at one generation, n2 with c2's
        // bit, n0 with its crash's only, and `equal-lower-node-id` made n0 the source: c2 was
        // resynced away on every replica (EqualGenerationBitsTieTests).
        let mineMissedWrites = mineTracks && mine.outOfSyncBlocks > mine.crashMarkedBlocks
        let peerMissedWrites = peerTracks && peer.outOfSyncBlocks > peer.crashMarkedBlocks
        if mineMissedWrites != peerMissedWrites {
            return Result(decision: mineMissedWrites ? .sourceUseBitmap : .targetUseBitmap, onlyIfBits: true,
                          rule: mineMissedWrites ? .equalSelfHoldsMissedWrites : .equalPeerHoldsMissedWrites)
        }
        let lower = mine.nodeID < peer.nodeID
        return Result(decision: lower ? .sourceUseBitmap : .targetUseBitmap, onlyIfBits: true, rule: .equalLowerNodeId)
    }
}
