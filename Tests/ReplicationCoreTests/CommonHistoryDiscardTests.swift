import Testing
@testable import ReplicationCore

/// A split brain resolved with `--discard-my-data` where the two sides' bitmaps toward each other
/// do not cover what both changed (session 22's final reread; pre-existing). The discard was
/// always planned from the bitmaps, so the discarding side kept every block no bit named and
/// ended UpToDate different from its source. Now it takes a full resync there
/// (`GenerationComparison.discardResyncsBitmaps`), as the refusal text already promised.
@Suite("Replication core: a discard-my-data where no bitmap covers both sides")
struct CommonHistoryDiscardTests {
    /// Three replicas at G0, quorum off. n2 writes block 1 while n0 is away (G_j, n1 takes it);
    /// n0 writes block 2 alone (G_s, a sibling of G_j). n1, cut from n2 too, meets n0 at a
    /// same-parent split brain and discards: its resync from n0 takes block 1 back to G0's data
    /// and leaves n1 at G_s with bitmaps toward the others and no generation (a resync from a
    /// third node), its bits toward n2 only what n0 tracked for n2: block 2. Then n1 and n2 meet
    /// at G0, their newest common generation (`split-brain-common-history`): block 1 differs
    /// (n2 wrote it, n1 took it and discarded it), and no bit on either side marks it.
    static func commonHistorySplitBrain() -> RecordedScript {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K")
        for line in ["admin n0 secondary", "stabilize", "isolate n0", "stabilize",
                     "write n2 off=4096 len=4096 pattern=2", "stabilize",
                     "partition n1 n2", "stabilize",
                     "write n0 off=8192 len=4096 pattern=3", "stabilize",
                     // n0 and n1 only: a same-parent split brain, which n1 resolves by discarding.
                     "heal", "partition n0 n2", "partition n1 n2", "stabilize",
                     "admin n1 connect discard-my-data peer=n0", "admin n0 connect peer=n1", "stabilize",
                     // n1 and n2 only.
                     "partition n0 n1", "heal", "partition n0 n2", "partition n0 n1", "stabilize"] {
            script.run(line)
        }
        return script
    }

    @Test("a common-history split brain resolved by discard resyncs in full: the UpToDate replicas are identical")
    func commonHistoryDiscardResyncsInFull() {
        let script = Self.commonHistorySplitBrain()
        // The setup is what this test is about: n1 took n0's data, and met n2 at common history.
        #expect(script.run("data n1 off=4096") == ["n1 off=4096: pattern=0"], "n1 discarded n2's block 1:\n\(script.text)")
        #expect(script.run("data n1 off=8192") == ["n1 off=8192: pattern=3"], "n1 took n0's block 2:\n\(script.text)")
        #expect(script.trace.contains { $0.contains("n2: error: r0: split brain detected with node 1 (n1)") && $0.contains("the newest both hold") },
                "n1 and n2 met at common history:\n\(script.text)")
        script.run("admin n2 connect discard-my-data peer=n1")
        script.run("admin n1 connect peer=n2")
        let resolved = script.run("stabilize")
        #expect(resolved.contains { $0.contains("n2: warning: split brain with node 1 (n1) resolved: this node discards its changes (--discard-my-data) and resyncs from node 1 (n1) in full") },
                "\(script.text)")
        #expect(script.run("data n2 off=4096") == ["n2 off=4096: pattern=0"], "n2's own block 1 was discarded:\n\(script.text)")
        #expect(script.run("data n2 off=8192") == ["n2 off=8192: pattern=3"], "n2 took n1's block 2:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
    }

    /// Review's scenario split_brain_inconsistent_side_bitmap (session 15) up to its split brain:
    /// n1, Inconsistent in its resync from n0 at G_y, holds n0's block 2 (pattern 3), which no
    /// bitmap toward n2 marks; n2 wrote block 3 at G_z. Both are children of G0 whose bitmaps
    /// count from it (`split-brain-same-parent`), but n1's bitmap toward n2 is short of block 2.
    static func inconsistentSideSplitBrain() -> RecordedScript {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K")
        for line in ["isolate n2", "stabilize", "write n0 off=4096 pattern=2", "stabilize",
                     "partition n0 n1", "stabilize", "write n0 off=8192 pattern=3", "write n0 off=40960 pattern=5", "stabilize",
                     "admin n0 secondary", "stabilize", "admin n2 primary", "stabilize",
                     "write n2 off=12288 pattern=4", "stabilize", "admin n2 secondary", "stabilize",
                     "heal", "partition n1 n2", "partition n0 n2", "connect-wanted"] {
            script.run(line)
        }
        for _ in 0 ..< 9 { script.run("deliver n0 n1"); script.run("deliver n1 n0") }
        for line in ["stabilize hold-link=n0-n1", "deliver n0 n1", "complete n1 3",
                     "partition n0 n1", "heal", "partition n0 n1", "partition n0 n2", "stabilize"] {
            script.run(line)
        }
        return script
    }

    @Test("an Inconsistent side that discards at a same-parent split brain resyncs in full")
    func inconsistentSideDiscardResyncsInFull() {
        let script = Self.inconsistentSideSplitBrain()
        #expect(script.run("state").contains { $0.hasPrefix("n1: role:Secondary disk:Inconsistent") }, "\(script.text)")
        #expect(script.run("data n1 off=8192") == ["n1 off=8192: pattern=3"], "n1 holds n0's block 2:\n\(script.text)")
        #expect(script.trace.contains { $0.contains("n2: error: r0: split brain detected with node 1 (n1)") && $0.contains("one side is Inconsistent") },
                "n1 and n2 met at a same-parent split brain:\n\(script.text)")
        script.run("admin n1 connect discard-my-data peer=n2")
        script.run("admin n2 connect peer=n1")
        script.run("stabilize")
        #expect(script.run("state").contains { $0.hasPrefix("n1: role:Secondary disk:UpToDate") }, "\(script.text)")
        #expect(script.run("data n1 off=8192") == ["n1 off=8192: pattern=0"], "n1 kept n0's block 2, which n2 never had:\n\(script.text)")
        #expect(script.run("data n1 off=12288") == ["n1 off=12288: pattern=4"], "n1 took n2's block 3:\n\(script.text)")
        // n0 is cut from both and holds blocks 1, 2 and 10 of its own: only n1 against n2 counts.
        let differing = script.run("compare")
        #expect(differing.allSatisfy { !$0.contains("n1 vs n2") && !$0.contains("n2 vs n1") }, "\(differing)\n\(script.text)")
    }

    /// Both ends of a connection plan a discard from the same two handshakes: the discarding side
    /// the target, the other the source, in full unless the bitmaps cover both sides.
    func expectDiscard(_ mine: Handshake, _ peer: Handshake, rule: GenerationComparison.Rule, bitmaps: Bool) {
        let found = GenerationComparison.compare(mine: mine, peer: peer)
        #expect(found.decision == .splitBrain && found.rule == rule, "\(found)")
        let mirror = GenerationComparison.compare(mine: peer, peer: mine)
        #expect(mirror.decision == .splitBrain && mirror.rule == rule, "\(mirror)")
        let discarding = GenerationComparison.discardResolution(of: found, mine: mine, peer: peer, iDiscard: true)
        let keeping = GenerationComparison.discardResolution(of: mirror, mine: peer, peer: mine, iDiscard: false)
        #expect(discarding == .init(decision: bitmaps ? .targetUseBitmap : .targetFull, onlyIfBits: false, rule: .splitBrainDiscardMine))
        #expect(keeping == .init(decision: bitmaps ? .sourceUseBitmap : .sourceFull, onlyIfBits: false, rule: .splitBrainPeerDiscards))
    }

    @Test("the discard's plan for each split-brain rule")
    func planForEachRule() {
        // Two children of 0x10, each tracking the other since it.
        let a = Handshake.of(0, current: 0x30, bitmap: [(1, 0x10)], history: [0x10])
        let b = Handshake.of(1, current: 0x20, bitmap: [(0, 0x10)], history: [0x10])
        expectDiscard(a, b, rule: .splitBrainSameParent, bitmaps: true)
        // The same with the discarding side Inconsistent, and with the other one Inconsistent.
        let aInconsistent = Handshake.of(0, current: 0x30, bitmap: [(1, 0x10)], history: [0x10], flags: .inconsistent)
        expectDiscard(aInconsistent, b, rule: .splitBrainSameParent, bitmaps: false)
        let bInconsistent = Handshake.of(1, current: 0x20, bitmap: [(0, 0x10)], history: [0x10], flags: .inconsistent)
        expectDiscard(a, bInconsistent, rule: .splitBrainSameParent, bitmaps: false)
        // Common history: no slot between them, and a slot that counts from a generation the
        // other never held.
        let c = Handshake.of(0, current: 0x30, bitmap: [(1, 0)], history: [0x10, 0x08])
        let d = Handshake.of(1, current: 0x20, bitmap: [(0, 0)], history: [0x10, 0x08])
        expectDiscard(c, d, rule: .splitBrainCommonHistory, bitmaps: false)
        let e = Handshake.of(0, current: 0x30, bitmap: [(1, 0x30)], history: [0x10, 0x08])
        let f = Handshake.of(1, current: 0x20, bitmap: [(0, 0x10)], history: [0x10, 0x08])
        expectDiscard(e, f, rule: .splitBrainCommonHistory, bitmaps: false)
    }
}
