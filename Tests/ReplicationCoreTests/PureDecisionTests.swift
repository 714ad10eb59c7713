import Testing
@testable import ReplicationCore

@Suite("Replication core: pure decisions")
struct PureDecisionTests {
    func handshake(_ node: UInt8, current: UInt64, bitmap: [(UInt8, UInt64)] = [], history: [UInt64] = [],
                   role: Role = .secondary, flags: HandshakeFlags = []) -> Handshake {
        .of(node, current: current, bitmap: bitmap, history: history, role: role, flags: flags)
    }

    /// Outdated by its own quorum loss, with `bits` out of sync toward its peer.
    func quorumLossOutdated(_ node: UInt8, current: UInt64, bits: UInt64) -> Handshake {
        var outdated = handshake(node, current: current, flags: [.outdatedByQuorumLoss])
        outdated.disk = .outdated
        outdated.outOfSyncBlocks = bits
        return outdated
    }

    func mirror(_ d: SyncDecision) -> SyncDecision {
        switch d {
        case .sourceFull: return .targetFull
        case .targetFull: return .sourceFull
        case .sourceUseBitmap: return .targetUseBitmap
        case .targetUseBitmap: return .sourceUseBitmap
        default: return d
        }
    }

    /// Seed 225: protocol A Primary n3 acknowledged a write, then lost its link to n1 (bits toward
    /// n1) and quorum together, so no new generation started; it went Outdated. n1 crashed without
    /// the write and came back UpToDate at the same generation. Its Outdated state says nothing
    /// against n1: n3 holds the write, and must be the source (before: `equal-peer-outdated`
    /// made n1 the source and the acknowledged write was resynced away).
    @Test("equal generations: a quorum-loss Outdated side that alone tracks bits is the source, not the crashed UpToDate peer")
    func quorumLossOutdatedTrackerIsSource() {
        let outdated = quorumLossOutdated(3, current: 0x300, bits: 2)
        let restarted = handshake(1, current: 0x300, flags: [.crashed])
        let result = GenerationComparison.compare(mine: outdated, peer: restarted, asynchronous: true)
        #expect(result.decision == .sourceUseBitmap)
        #expect(GenerationComparison.compare(mine: restarted, peer: outdated, asynchronous: true).decision == .targetUseBitmap)
        // Outdated for another reason (it met newer data), or tracking nothing: still the target.
        var metNewer = outdated
        metNewer.flags = []
        #expect(GenerationComparison.compare(mine: metNewer, peer: restarted).decision == .targetUseBitmap)
        var tracksNothing = outdated
        tracksNothing.outOfSyncBlocks = 0
        #expect(GenerationComparison.compare(mine: tracksNothing, peer: restarted).decision == .targetUseBitmap)
    }

    /// Seed 930: as 225, but the restarted peer marked its crash's activity-log extents toward
    /// every peer, so it tracks bits too. With protocol A those bits do not take the exception
    /// away; bits of a peer that did not crash do, and with protocol C the crash's bits count.
    @Test("equal generations, protocol A: a crashed peer's bits leave a quorum-loss Outdated tracker the source")
    func quorumLossOutdatedTrackerBesideCrashedPeerWithBits() {
        let outdated = quorumLossOutdated(0, current: 0x300, bits: 1)
        var restarted = handshake(1, current: 0x300, flags: [.crashed])
        restarted.outOfSyncBlocks = 4
        let result = GenerationComparison.compare(mine: outdated, peer: restarted, asynchronous: true)
        #expect(result.decision == .sourceUseBitmap && result.rule == .equalCrashed)
        #expect(GenerationComparison.compare(mine: restarted, peer: outdated, asynchronous: true).decision == .targetUseBitmap)
        var live = restarted
        live.flags = []
        #expect(GenerationComparison.compare(mine: outdated, peer: live, asynchronous: true).decision == .targetUseBitmap)
        #expect(GenerationComparison.compare(mine: outdated, peer: restarted, asynchronous: false).decision == .targetUseBitmap)
    }

    /// Protocol 24: a peer that did not crash but holds only crash-only bits (a resync target of a
    /// crashed source took them toward this node, `ResyncReply.crashOnlyToward`) leaves the
    /// exception too: its bits say "may differ" as the crashed node's did (scenario
    /// protocol_a_outdated_writer_beside_crashed_peer: made the source, it resynced the Outdated
    /// writer's acknowledged write away). One missed write's bit among them takes it away again.
    @Test("equal generations, protocol A: a peer's crash-only bits leave a quorum-loss Outdated tracker the source")
    func quorumLossOutdatedTrackerBesideCrashOnlyBits() {
        let outdated = quorumLossOutdated(0, current: 0x300, bits: 1)
        var target = handshake(2, current: 0x300)
        target.outOfSyncBlocks = 4
        target.crashMarkedBlocks = 4
        let result = GenerationComparison.compare(mine: outdated, peer: target, asynchronous: true)
        #expect(result.decision == .sourceUseBitmap && result.rule == .equalSelfHoldsMissedWrites, "\(result)")
        #expect(GenerationComparison.compare(mine: target, peer: outdated, asynchronous: true).decision == .targetUseBitmap)
        var missedWrite = target
        missedWrite.outOfSyncBlocks = 5
        #expect(GenerationComparison.compare(mine: outdated, peer: missedWrite, asynchronous: true).decision == .targetUseBitmap)
        #expect(GenerationComparison.compare(mine: outdated, peer: target, asynchronous: false).decision == .targetUseBitmap)
    }

    @Test("after a peer failure the survivor that wrote is SyncSource using its bitmap (rule 5)")
    func survivorIsSource() {
        let a = handshake(0, current: 0x200, bitmap: [(1, 0x100)], history: [0x100])
        let b = handshake(1, current: 0x100, bitmap: [(0, 0)])
        #expect(GenerationComparison.compare(mine: a, peer: b).decision == .sourceUseBitmap)
        #expect(GenerationComparison.compare(mine: b, peer: a).decision == .targetUseBitmap)
    }

    @Test("both wrote since the same parent generation: split brain")
    func splitBrain() {
        let a = handshake(0, current: 0x200, bitmap: [(1, 0x100)], history: [0x100])
        let b = handshake(1, current: 0x300, bitmap: [(0, 0x100)], history: [0x100])
        #expect(GenerationComparison.compare(mine: a, peer: b).decision == .splitBrain)
        #expect(GenerationComparison.compare(mine: b, peer: a).decision == .splitBrain)
    }

    /// Seed 716: a Primary's new generation never left it before it crashed (no write issued in
    /// it acknowledged); the majority moved on in another child of the same parent. The side whose
    /// generation is unconfirmed yields, through either branch of the split-brain rules; when
    /// both are unconfirmed children of one parent, the higher node id yields (seed 1794,
    /// ForgottenGenerationSiblingTests; a split brain before).
    @Test("both wrote since a common generation: the side whose generation nobody confirmed yields")
    func unconfirmedGenerationYields() {
        let crashed = handshake(0, current: 0x200, bitmap: [(1, 0x100)], history: [0x100], flags: [.crashedPrimary, .generationUnconfirmed])
        let majority = handshake(1, current: 0x300, bitmap: [(0, 0x100)], history: [0x100], role: .primary)
        #expect(GenerationComparison.compare(mine: crashed, peer: majority).decision == .targetUseBitmap)
        #expect(GenerationComparison.compare(mine: majority, peer: crashed).decision == .sourceUseBitmap)
        // No bitmap covers both sides' changes (common history only): a full sync toward it.
        let stale = handshake(0, current: 0x200, bitmap: [(1, 0x400)], history: [0x100], flags: [.generationUnconfirmed])
        #expect(GenerationComparison.compare(mine: stale, peer: majority).decision == .targetFull)
        #expect(GenerationComparison.compare(mine: majority, peer: stale).decision == .sourceFull)
        // A side that lost quorum as Primary still yields first.
        var lostQuorum = majority
        lostQuorum.flags = [.primaryLostQuorum]
        #expect(GenerationComparison.compare(mine: crashed, peer: lostQuorum).decision == .sourceUseBitmap)
        // Both unconfirmed: the higher node id yields. Neither is a live Primary: a Primary does
        // not send the flag (`makeHandshake`), so beside an unconfirmed sibling it is the side
        // that stays (the `majority` case above).
        var both = majority
        both.flags = [.generationUnconfirmed]
        both.role = .secondary
        #expect(GenerationComparison.compare(mine: crashed, peer: both).decision == .sourceUseBitmap)
        #expect(GenerationComparison.compare(mine: both, peer: crashed).decision == .targetUseBitmap)
        // Both unconfirmed children of one parent, one of them Inconsistent (its yielding resync
        // was interrupted): it cannot be a source, so it yields (seeds 1110, 1143) — with a full
        // sync since protocol 15 (was the bitmap): it holds blocks its interrupted resync brought,
        // which no bitmap toward this peer marks (split_brain_unconfirmed_inconsistent_side).
        var interrupted = crashed
        interrupted.flags.insert(.inconsistent)
        #expect(GenerationComparison.compare(mine: interrupted, peer: both).decision == .targetFull)
        #expect(GenerationComparison.compare(mine: both, peer: interrupted).decision == .sourceFull)
        // The other side's branch holds an older generation (0x180) below its unconfirmed one:
        // protocol 14 made this a split brain (13's bitmap target missed what the interrupted
        // resync brought from a third node, review's split_brain_inconsistent_side_bitmap). Since
        // 15 the Inconsistent side still yields, with a full sync: its own flag covers its whole
        // branch (0x200 alone since 0x100), so nothing of it was acknowledged, and a full sync
        // misses nothing.
        var otherParent = both
        otherParent.generations.history = [Generation(0x180), Generation(0x100)]
        otherParent.generations.bitmap = [PeerGeneration(nodeID: NodeID(0), generation: Generation(0x100))]
        #expect(GenerationComparison.compare(mine: interrupted, peer: otherParent).decision == .targetFull)
        #expect(GenerationComparison.compare(mine: otherParent, peer: interrupted).decision == .sourceFull)
        // The Inconsistent side with the older generation below its unconfirmed one: its branch
        // may hold acknowledged writes, so a split brain as in 14.
        var deepInterrupted = interrupted
        deepInterrupted.generations.history = [Generation(0x180), Generation(0x100)]
        #expect(GenerationComparison.compare(mine: deepInterrupted, peer: both).decision == .splitBrain)
        #expect(GenerationComparison.compare(mine: both, peer: deepInterrupted).decision == .splitBrain)
        // Neither Inconsistent, parents differing: still a split brain.
        #expect(GenerationComparison.compare(mine: crashed, peer: otherParent).decision == .splitBrain)
        // Since protocol 18 the flag alone makes a side yield only where its unconfirmed
        // generation is its whole branch: with an older generation of its own (0x180) below it,
        // unknown to the peer, that branch may hold acknowledged writes (seed 1068,
        // UnconfirmedOlderBranchTests) — a split brain, through either branch of the rules.
        for shallow in [crashed, stale] {  // the same-parent branch, then common history only
            var deep = shallow
            deep.generations.history = [Generation(0x180), Generation(0x100)]
            #expect(GenerationComparison.compare(mine: deep, peer: majority).decision == .splitBrain)
            #expect(GenerationComparison.compare(mine: majority, peer: deep).decision == .splitBrain)
        }
        // The peer knows the older generation (both left 0x180, each in a child): the branch
        // since what both know is the unconfirmed generation alone, and the side yields as before.
        var knowsOlder = majority
        knowsOlder.generations.history = [Generation(0x180), Generation(0x100)]
        knowsOlder.generations.bitmap = [PeerGeneration(nodeID: NodeID(0), generation: Generation(0x180))]
        var childOfOlder = crashed
        childOfOlder.generations.history = [Generation(0x180), Generation(0x100)]
        childOfOlder.generations.bitmap = [PeerGeneration(nodeID: NodeID(1), generation: Generation(0x180))]
        #expect(GenerationComparison.compare(mine: childOfOlder, peer: knowsOlder).decision == .targetUseBitmap)
        #expect(GenerationComparison.compare(mine: knowsOlder, peer: childOfOlder).decision == .sourceUseBitmap)
    }

    /// DRBD's `drbd_sync_handshake` ("becoming sync source/target due to disk states"): when
    /// exactly one side of a split brain or a common history is Inconsistent, the other is the
    /// source, before the lost-quorum and unconfirmed rules. An Inconsistent side cannot serve:
    /// made the source, every resync between them waited for good (seeds 781, 982, 992, 1504).
    /// Since protocol 14 only where no bitmap covers both sides (a full sync): with the bitmaps
    /// of one parent the Inconsistent side kept blocks its interrupted resync brought from a third
    /// node (split_brain_inconsistent_side_bitmap), so the same-parent branch decides as before
    /// 13 (a safe split brain, or an Inconsistent source that never serves) unless the Inconsistent
    /// side's own unconfirmed flag covers its branch (`unconfirmedInconsistentSideYieldsFull`).
    @Test("both wrote since a common generation: an Inconsistent side is never the source where no bitmap covers both")
    func inconsistentSideYields() {
        // The Outdated side lost quorum as Primary; the Inconsistent one did not.
        var flagged = handshake(0, current: 0x200, bitmap: [(1, 0x100)], history: [0x100], flags: [.primaryLostQuorum])
        flagged.disk = .outdated
        let interrupted = handshake(1, current: 0x300, bitmap: [(0, 0x100)], history: [0x100], flags: [.inconsistent])
        let sameParent = GenerationComparison.compare(mine: flagged, peer: interrupted)
        #expect(sameParent.decision == .targetUseBitmap && sameParent.rule == .splitBrainSelfPrimaryLostQuorum)
        #expect(GenerationComparison.compare(mine: interrupted, peer: flagged).decision == .sourceUseBitmap)
        // No bitmap covers both sides' changes: a full sync into the Inconsistent side.
        var stale = interrupted
        stale.generations.bitmap = [PeerGeneration(nodeID: NodeID(0), generation: Generation(0x180))]
        #expect(GenerationComparison.compare(mine: flagged, peer: stale).decision == .sourceFull)
        #expect(GenerationComparison.compare(mine: stale, peer: flagged).decision == .targetFull)
        // Both flagged, one Inconsistent, one parent (seed 168 under the 1606 hold): a split brain
        // again since protocol 14; of a common history only, the Inconsistent side yields.
        var bothFlagged = interrupted
        bothFlagged.flags.insert(.primaryLostQuorum)
        #expect(GenerationComparison.compare(mine: flagged, peer: bothFlagged).decision == .splitBrain)
        var bothFlaggedStale = bothFlagged
        bothFlaggedStale.generations.bitmap = stale.generations.bitmap
        #expect(GenerationComparison.compare(mine: flagged, peer: bothFlaggedStale).decision == .sourceFull)
        // Both Inconsistent: the lost-quorum rule decides as before.
        var flaggedInconsistent = flagged
        flaggedInconsistent.flags.insert(.inconsistent)
        #expect(GenerationComparison.compare(mine: flaggedInconsistent, peer: interrupted).decision == .targetUseBitmap)
        // A newer peer (its bitmap for this node is this node's current) is still the source,
        // Inconsistent or not: the rule is only about sides that both changed.
        let behind = handshake(0, current: 0x100, bitmap: [(1, 0)])
        let newerInconsistent = handshake(1, current: 0x300, bitmap: [(0, 0x100)], history: [0x100], flags: [.inconsistent])
        #expect(GenerationComparison.compare(mine: behind, peer: newerInconsistent).decision == .targetUseBitmap)
    }

    /// Seeds 982, 992, 1504: n0's own generation, a child of the parent, was never confirmed; it
    /// yielded to n2 and its resync was interrupted (Inconsistent). n2, Primary, then lost quorum
    /// (after acknowledging writes in its branch) and the lost-quorum rule made it yield to n0,
    /// which cannot serve: no convergence. The Inconsistent side whose flag says its whole branch
    /// was never acknowledged yields first, with a full sync (its blocks from the interrupted
    /// resync are in no bitmap). Not where an older generation lies between the parent and its
    /// unconfirmed one (seed 1068: acknowledged writes there); then the other rules decide.
    @Test("one parent: an Inconsistent side whose unconfirmed generation is its whole branch yields with a full sync")
    func unconfirmedInconsistentSideYieldsFull() {
        var lostQuorum = handshake(2, current: 0x300, bitmap: [(0, 0x100)], history: [0x100], role: .primary,
                                   flags: [.primaryLostQuorum])
        lostQuorum.disk = .upToDate
        var yielding = handshake(0, current: 0x200, bitmap: [(2, 0x100)], history: [0x100],
                                 flags: [.inconsistent, .generationUnconfirmed])
        yielding.disk = .inconsistent
        let mine = GenerationComparison.compare(mine: yielding, peer: lostQuorum)
        #expect(mine.decision == .targetFull && mine.rule == .splitBrainSelfInconsistentUnconfirmed, "\(mine)")
        let peer = GenerationComparison.compare(mine: lostQuorum, peer: yielding)
        #expect(peer.decision == .sourceFull && peer.rule == .splitBrainPeerInconsistentUnconfirmed, "\(peer)")
        // An older generation of its own between the parent and the unconfirmed one: its branch may
        // hold acknowledged writes, so the rule stays out (the lost-quorum rule decides, as before).
        var deeper = yielding
        deeper.generations.history = [Generation(0x250), Generation(0x100)]
        let kept = GenerationComparison.compare(mine: deeper, peer: lostQuorum)
        #expect(kept.decision == .sourceUseBitmap && kept.rule == .splitBrainPeerPrimaryLostQuorum, "\(kept)")
        #expect(GenerationComparison.compare(mine: lostQuorum, peer: deeper).decision == .targetUseBitmap)
        // Not unconfirmed (its branch may hold acknowledged writes): as before.
        var confirmed = yielding
        confirmed.flags.remove(.generationUnconfirmed)
        #expect(GenerationComparison.compare(mine: confirmed, peer: lostQuorum).rule == .splitBrainPeerPrimaryLostQuorum)
        // Unconfirmed but not Inconsistent: as before (the lost-quorum rule first, bitmaps).
        var consistent = yielding
        consistent.flags.remove(.inconsistent)
        consistent.disk = .upToDate
        #expect(GenerationComparison.compare(mine: consistent, peer: lostQuorum).rule == .splitBrainPeerPrimaryLostQuorum)
    }

    /// Seed 3048 (DivergedInconsistentTests): two Inconsistent sides on diverged branches, each
    /// an interrupted target of a third node, are no split brain to stop at: neither is the other's
    /// source (`diverged-both-inconsistent`, planned again once one is resynced), in both
    /// branches of the comparison. Where another rule gives a direction (a Primary that lost
    /// quorum) it still does; the source, Inconsistent, then waits as before.
    @Test("different generations, both sides Inconsistent: neither is the other's source, no split brain")
    func divergedBothInconsistent() {
        func inconsistent(_ node: UInt8, current: UInt64, bitmap: [(UInt8, UInt64)], history: [UInt64]) -> Handshake {
            var side = handshake(node, current: current, bitmap: bitmap, history: history, flags: [.inconsistent])
            side.disk = .inconsistent
            return side
        }
        // Common history, no bitmap covering both (3048: n0 tracks n1 since 2F3E, n1 n0 since A15A).
        let n0 = inconsistent(0, current: 0x25B9, bitmap: [(1, 0x2F3E)], history: [0x5762, 0x2F3E])
        let n1 = inconsistent(1, current: 0xF96C, bitmap: [(0, 0xA15A)], history: [0x8C48, 0xA15A, 0xF36F, 0x5762, 0x2F3E])
        for (mine, peer) in [(n0, n1), (n1, n0)] {
            let result = GenerationComparison.compare(mine: mine, peer: peer)
            #expect(result.decision == .bothJustCreated && result.rule == .divergedBothInconsistent, "\(result)")
        }
        // Same parent, both bitmaps since it.
        let a = inconsistent(0, current: 0xA1, bitmap: [(1, 0x50)], history: [0x50])
        let b = inconsistent(1, current: 0xB1, bitmap: [(0, 0x50)], history: [0x50])
        let same = GenerationComparison.compare(mine: a, peer: b)
        #expect(same.decision == .bothJustCreated && same.rule == .divergedBothInconsistent, "\(same)")
        // One side UpToDate: the split brain stands (the rule is for two that cannot serve).
        var upToDate = b
        upToDate.flags = []
        upToDate.disk = .upToDate
        #expect(GenerationComparison.compare(mine: a, peer: upToDate).decision == .splitBrain)
    }

    /// Seed 781: Primary n0 at F965 lost quorum (the flag stays); n1, whose disk had failed at
    /// ED21 (another child of their parent 0A15), yielded to n0 and its full sync was
    /// interrupted: Inconsistent, still at ED21. The lost-quorum rule then made n0 the target of
    /// a node that cannot serve, and the healed cluster stayed Outdated and Inconsistent. DRBD's
    /// drbd_sync_handshake makes an Inconsistent side the target "due to disk states", whatever
    /// the generations say, with a full sync — here only where no bitmap covers both sides.
    @Test("different generations since a common one: an Inconsistent side is the target, whatever the other's flags")
    func inconsistentSideYieldsAcrossGenerations() {
        let primary = handshake(0, current: 0xF965, bitmap: [(1, 0x0A15)], history: [0x0A15], role: .primary,
                                flags: [.primaryLostQuorum])
        var failed = handshake(1, current: 0xED21, bitmap: [(0, 0)], history: [0x0A15], flags: [.inconsistent, .diskFailed])
        failed.disk = .inconsistent
        let common = GenerationComparison.compare(mine: primary, peer: failed)
        #expect(common.decision == .sourceFull && common.rule == .commonHistoryPeerInconsistent, "\(common)")
        #expect(GenerationComparison.compare(mine: failed, peer: primary).decision == .targetFull)
        // Both bitmaps at the parent (the split-brain branch): not this rule — the bitmaps miss
        // what the interrupted resync brought from a third node (review's
        // split_brain_inconsistent_side_bitmap); the lost quorum decides as before (a known gap).
        var tracking = failed
        tracking.generations.bitmap = [PeerGeneration(nodeID: NodeID(0), generation: Generation(0x0A15))]
        let same = GenerationComparison.compare(mine: primary, peer: tracking)
        #expect(same.rule == .splitBrainSelfPrimaryLostQuorum, "\(same)")
        // Both Inconsistent: the disk states say nothing, the lost quorum decides as before.
        var both = primary
        both.flags.insert(.inconsistent)
        #expect(GenerationComparison.compare(mine: both, peer: failed).decision == .targetFull)
    }

    /// Seeds 2878 and 4581 (InconsistentNewerSourceTests): an Inconsistent side at a direct child
    /// of the consistent side's current is its full-sync target, from both ends, where the history
    /// decides; not where the child tracks the parent's side by a bitmap (it took the child with
    /// that side absent: `peer-bitmap-is-my-current`, as before), not a grandchild (an older
    /// generation of its own between them), not two Inconsistent sides.
    @Test("an Inconsistent side at a child of the consistent side's current is its target")
    func inconsistentChildYields() {
        let parent = handshake(1, current: 0x0A15, bitmap: [(2, 0)], history: [0x0900])
        var child = handshake(2, current: 0x0B00, bitmap: [(1, 0)], history: [0x0A15, 0x0900], flags: [.inconsistent])
        child.disk = .inconsistent
        #expect(GenerationComparison.compare(mine: parent, peer: child).decision == .sourceFull)
        #expect(GenerationComparison.compare(mine: parent, peer: child).rule == .peerInconsistentChildOfMyCurrent)
        #expect(GenerationComparison.compare(mine: child, peer: parent).decision == .targetFull)
        #expect(GenerationComparison.compare(mine: child, peer: parent).rule == .selfInconsistentChildOfPeerCurrent)
        // Outdated, the parent's side is still the source (it waits until it is UpToDate).
        var outdated = parent
        outdated.disk = .outdated
        #expect(GenerationComparison.compare(mine: outdated, peer: child).rule == .peerInconsistentChildOfMyCurrent)
        var tracking = child
        tracking.generations.bitmap = [PeerGeneration(nodeID: NodeID(1), generation: Generation(0x0A15))]
        #expect(GenerationComparison.compare(mine: parent, peer: tracking).rule == .peerBitmapIsMyCurrent)
        var grandchild = child
        grandchild.generations.history = [0x0AAA, 0x0A15, 0x0900].map { Generation($0) }
        #expect(GenerationComparison.compare(mine: parent, peer: grandchild).rule == .myCurrentInPeerHistory)
        var consistentChild = child
        consistentChild.flags.remove(.inconsistent)
        consistentChild.disk = .upToDate
        #expect(GenerationComparison.compare(mine: parent, peer: consistentChild).rule == .myCurrentInPeerHistory)
        var bothInconsistent = parent
        bothInconsistent.flags.insert(.inconsistent)
        #expect(GenerationComparison.compare(mine: bothInconsistent, peer: child).rule == .myCurrentInPeerHistory)
    }

    /// Seeds 2698 and 2656 (FailedDiskReattachedPromotedTests): an Inconsistent target of a newer
    /// replica knows the generations that replica's line moved past; a disk back from its failure
    /// record at one of them holds none of the newer writes the target took, and
    /// is not its source, at equal generations (`equal-peer-inconsistent`) or when the target is
    /// older (`peer-bitmap-is-my-current`, 2698's own path). Both ends plan the same wait.
    @Test("an Inconsistent peer that knows a failed disk's generation was moved past is not its target")
    func inconsistentPeerPastMyGeneration() {
        let failed = handshake(1, current: 0x0A15, bitmap: [(2, 0)], history: [0x0900], flags: [.diskFailed])
        var target = handshake(2, current: 0x0A15, bitmap: [(1, 0)], history: [0x0900], flags: [.inconsistent, .tookNewerWrites])
        target.disk = .inconsistent
        #expect(GenerationComparison.compare(mine: failed, peer: target).rule == .equalPeerInconsistent)
        target.supersededGenerations = [Generation(0x0B00), Generation(0x0A15)]
        let mine = GenerationComparison.compare(mine: failed, peer: target)
        #expect(mine.decision == .bothJustCreated && mine.rule == .peerInconsistentPastMyFailedDisk, "\(mine)")
        let theirs = GenerationComparison.compare(mine: target, peer: failed)
        #expect(theirs.decision == .bothJustCreated && theirs.rule == .selfInconsistentPastPeerFailedDisk, "\(theirs)")
        // An older target, which the failed disk's bitmap tracks from the target's generation.
        let tracking = handshake(1, current: 0x0A15, bitmap: [(2, 0x0900)], history: [0x0900], flags: [.diskFailed])
        var older = handshake(2, current: 0x0900, bitmap: [(1, 0)], history: [0x0800], flags: [.inconsistent, .tookNewerWrites])
        older.disk = .inconsistent
        #expect(GenerationComparison.compare(mine: older, peer: tracking).rule == .peerBitmapIsMyCurrent)
        older.supersededGenerations = [Generation(0x0A15)]
        #expect(GenerationComparison.compare(mine: older, peer: tracking).decision == .bothJustCreated)
        #expect(GenerationComparison.compare(mine: tracking, peer: older).decision == .bothJustCreated)
        // A consistent peer that knows it decides by the generations as before; so does an
        // Inconsistent one that took no newer writes (seed 7) or knows another generation, and a
        // source whose disk did not fail
        // (it may have stayed with every acknowledged write: SupersededRestartTests).
        var consistent = target
        consistent.flags = []
        consistent.disk = .outdated
        #expect(GenerationComparison.compare(mine: failed, peer: consistent).decision != .bothJustCreated)
        var stayed = failed
        stayed.flags = []
        #expect(GenerationComparison.compare(mine: stayed, peer: target).rule == .equalPeerInconsistent)
        var noWrites = target
        noWrites.flags = [.inconsistent]
        #expect(GenerationComparison.compare(mine: failed, peer: noWrites).rule == .equalPeerInconsistent)
        target.supersededGenerations = [Generation(0x0B00)]
        #expect(GenerationComparison.compare(mine: failed, peer: target).rule == .equalPeerInconsistent)
    }

    @Test("no generation in common: unrelated data")
    func unrelated() {
        let a = handshake(0, current: 0x200, history: [0x180])
        let b = handshake(1, current: 0x300, history: [0x380])
        #expect(GenerationComparison.compare(mine: a, peer: b).decision == .unrelated)
    }

    @Test("just created on one side: full sync toward it")
    func justCreated() {
        let a = handshake(0, current: 0x200)
        let b = handshake(1, current: 4)
        #expect(GenerationComparison.compare(mine: a, peer: b).decision == .sourceFull)
        #expect(GenerationComparison.compare(mine: b, peer: a).decision == .targetFull)
        #expect(GenerationComparison.compare(mine: b, peer: handshake(0, current: 4)).decision == .bothJustCreated)
    }

    @Test("the comparison is antisymmetric over many generated pairs")
    func antisymmetric() {
        var random = SplitMix64(seed: 7)
        let pool: [UInt64] = [0, 4, 0x100, 0x200, 0x300, 0x400]
        for _ in 0 ..< 2000 {
            func pick() -> UInt64 { pool[Int(random.next() % UInt64(pool.count))] }
            let flagsPool: [HandshakeFlags] = [[], [.crashed], [.crashedPrimary, .crashed], [.inconsistent],
                                               [.crashedPrimary, .crashed, .generationUnconfirmed], [.primaryLostQuorum],
                                               [.diskFailed], [.inconsistent, .diskFailed], [.primaryLostQuorum, .generationUnconfirmed],
                                               [.inconsistent, .tookNewerWrites]]
            let a = handshake(0, current: pick() | 0x100, bitmap: [(1, pick())], history: [pick(), pick()],
                              role: random.next() % 4 == 0 ? .primary : .secondary,
                              flags: flagsPool[Int(random.next() % UInt64(flagsPool.count))])
            let b = handshake(1, current: pick() | 0x100, bitmap: [(0, pick())], history: [pick()],
                              role: a.role == .primary ? .secondary : (random.next() % 4 == 0 ? .primary : .secondary),
                              flags: flagsPool[Int(random.next() % UInt64(flagsPool.count))])
            var a2 = a, b2 = b
            a2.supersededGenerations = random.next() % 3 == 0 ? [Generation(pick() | 0x100)] : []
            b2.supersededGenerations = random.next() % 3 == 0 ? [Generation(pick() | 0x100)] : []
            let ab = GenerationComparison.compare(mine: a2, peer: b2).decision
            let ba2 = GenerationComparison.compare(mine: b2, peer: a2).decision
            #expect(ab == mirror(ba2), "a=\(a2.generations) \(a2.supersededGenerations) b=\(b2.generations) \(b2.supersededGenerations)")
            let ab0 = GenerationComparison.compare(mine: a, peer: b).decision
            let ba = GenerationComparison.compare(mine: b, peer: a).decision
            #expect(ab0 == mirror(ba), "a=\(a.generations) b=\(b.generations)")
        }
    }

    @Test("quorum: majority, last man standing, diskless tiebreaker only keeps quorum")
    func quorumArithmetic() {
        func q(_ reach: Int, unknown: Int, outdated: Int = 0, clients: Int = 0, reachClients: Int = 0, had: Bool = true) -> Bool {
            QuorumInput(policy: .majority, selfDiskful: true, reachableDiskfulPeers: reach, absentUnknownPeers: unknown,
                        absentOutdatedPeers: outdated, reachableDisklessClients: reachClients,
                        disklessClients: clients, hadQuorum: had).hasQuorum
        }
        #expect(q(1, unknown: 1))          // 2 of 3
        #expect(!q(0, unknown: 2))         // 1 of 3
        #expect(q(0, unknown: 0, outdated: 2))  // the others left gracefully: last man standing
        #expect(!q(0, unknown: 1, outdated: 1)) // one absent of unknown state: outdated still vote
        #expect(!q(0, unknown: 1))         // 1 of 2, no tiebreaker
        #expect(q(0, unknown: 1, clients: 1, reachClients: 1))             // tiebreaker keeps it
        #expect(!q(0, unknown: 1, clients: 1, reachClients: 1, had: false)) // but cannot restore it
        #expect(QuorumInput(policy: .off, selfDiskful: true, reachableDiskfulPeers: 0, absentUnknownPeers: 5,
                            absentOutdatedPeers: 0, reachableDisklessClients: 0, disklessClients: 0, hadQuorum: false).hasQuorum)
    }

    @Test("bitmap: set, clear, counts, dirty words and chunks")
    func bitmap() {
        var bitmap = OutOfSyncBitmap(blockCount: 200, blockBytes: 4096)
        bitmap.set(bitmap.blocks(offsetBytes: 4096 * 60, lengthBytes: 4096 * 10))
        #expect(bitmap.setCount == 10)
        #expect(bitmap.nextSet(from: 0) == 60)
        #expect(bitmap.nextSet(from: 70) == nil)
        bitmap.clear(65 ..< 67)
        #expect(bitmap.setCount == 8)
        let dirty = bitmap.takeDirtyWords(peer: NodeID(1))
        #expect(dirty.map(\.firstWord) == [0])
        #expect(dirty[0].words.count == 2)
        #expect(bitmap.takeDirtyWords(peer: NodeID(1)).isEmpty)
        bitmap.setAll()
        #expect(bitmap.setCount == 200)
        let chunks = bitmap.chunks()
        #expect(chunks.last?.isLast == true)
        var copy = OutOfSyncBitmap(blockCount: 200, blockBytes: 4096)
        for chunk in chunks { copy.or(words: chunk.words, firstWord: Int(chunk.firstWord)) }
        #expect(copy.setCount == 200)
        // A partial write marks every block it touches.
        #expect(bitmap.blocks(offsetBytes: 4095, lengthBytes: 2) == 0 ..< 2)
    }

    @Test("config validation names the bad setting")
    func configValidation() {
        var config = ReplicaConfig(resourceName: "r0", nodeID: NodeID(0), nodeName: "a",
                                   peers: [PeerConfig(nodeID: NodeID(1), name: "b")], sizeBytes: 1 << 20)
        #expect(throws: Never.self) { try config.validate() }
        config.sizeBytes = 1000
        #expect(throws: ReplicaConfigError.self) { try config.validate() }
        config.sizeBytes = 1 << 20
        config.peers.append(PeerConfig(nodeID: NodeID(1), name: "c"))
        do {
            try config.validate()
            Issue.record("duplicate node id accepted")
        } catch {
            #expect(error.description.contains("used twice"))
        }
    }

    @Test("activity log evicts only idle extents")
    func activityLog() {
        var al = ActivityLog(extentBytes: 1 << 22, extentsMax: 2, extents: [])
        let changed0 = al.begin([0])
        let changed1 = al.begin([1])
        #expect(changed0 && changed1)
        #expect(!al.canActivate([2]))
        al.end([0])
        #expect(al.canActivate([2]))
        let changed2 = al.begin([2])
        #expect(changed2)
        #expect(al.sortedExtents == [1, 2])
    }

    @Test("activity log evicts the least recently begun idle extent, never a needed or busy one")
    func activityLogEvictionOrder() {
        // Loaded from metadata in LRU order: 5 is the oldest, then 6, then 7.
        var al = ActivityLog(extentBytes: 1 << 22, extentsMax: 3, extents: [5, 6, 7])
        #expect(al.canActivate([5, 6, 7]))
        let reused = al.begin([6])
        #expect(!reused, "an extent already in the log changes nothing durable")
        al.end([6])
        let added8 = al.begin([8])  // evicts 5: older than 7, and 6 was used since
        #expect(added8)
        #expect(al.sortedExtents == [6, 7, 8])
        let added9 = al.begin([9])  // evicts 7 (8 is busy, 6 was used after 7)
        #expect(added9)
        #expect(al.sortedExtents == [6, 8, 9])
        al.hold([9])  // a protocol A write keeps 9 hot after its own end
        al.end([9])
        #expect(al.canActivate([10]), "6 is idle")
        #expect(!al.canActivate([10, 11]), "only one idle extent (6) for two missing ones")
        let added10 = al.begin([10])
        #expect(added10)
        #expect(al.sortedExtents == [8, 9, 10])
        #expect(!al.canActivate([11]), "8 and 10 are in flight, 9 is held")
        al.end([8])
        #expect(al.canActivate([11]))
        #expect(!al.canActivate([11, 12]))
        #expect(!al.canActivate([8, 11]), "8 is needed itself, so it cannot make room for 11")
        al.end([9, 10])
        al.clearIdle()
        #expect(al.sortedExtents == [])
    }

    @Test("a write's extents are the run of extents its bytes touch, as a range")
    func writeExtents() {
        let mib4: UInt64 = 1 << 22
        var al = ActivityLog(extentBytes: mib4, extentsMax: 8, extents: [])
        #expect(al.extents(offsetBytes: 0, lengthBytes: 4096) == 0 ... 0)
        #expect(al.extents(offsetBytes: mib4 - 4096, lengthBytes: 4096) == 0 ... 0, "ends exactly at the boundary")
        #expect(al.extents(offsetBytes: mib4 - 4096, lengthBytes: 8192) == 0 ... 1, "crosses it")
        #expect(al.extents(offsetBytes: 3 * mib4, lengthBytes: 2 * mib4 + 1) == 3 ... 5)
        #expect(al.extents(offsetBytes: 2 * mib4, lengthBytes: 0) == 2 ... 2, "a zero-length request still names its extent")
        // A range works like the array of its extents.
        let range = al.extents(offsetBytes: mib4 - 4096, lengthBytes: 8192)
        #expect(al.canActivate(range))
        let added = al.begin(range)
        #expect(added)
        #expect(al.sortedExtents == [0, 1])
        let addedAgain = al.begin(range)
        #expect(!addedAgain, "already active")
        al.end(range)
        al.end([0, 1])
        al.clearIdle()
        #expect(al.sortedExtents == [])
    }
}
