import Testing
@testable import ReplicationCore

/// Three replicas with quorum majority; n1 and n2 leave the Primary n0 gracefully (`disconnect`,
/// which sends `goodbye(outdated: true)`), so n0 stops counting them and keeps quorum alone, the
/// last man standing (reference dataplane.md §1.13: nodes that leave gracefully "mark themselves
/// Outdated and tell the others"). Operator text (c) from session 12: what happens to a write n0
/// acknowledged alone when n0 crashes and the others go on: the leavers are Outdated (DRBD's
/// rule, both directions of the disconnect), and the clear of `generationUnconfirmed` is on
/// disk before that write is acknowledged, so a forced Primary meanwhile meets a split brain.
/// The same holds for the other node that acknowledges alone: a Primary beside a diskless
/// tiebreaker only, whose other diskful peer can be promoted without `--force`.
@Suite("Replication core: the last man standing")
struct LastManStandingTests {
    /// n0 Primary with block 0 written everywhere, then n1 and n2 disconnect from it.
    static func lastManStanding() -> RecordedScript {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority")
        script.run("admin n1 disconnect peer=n0")
        script.run("admin n2 disconnect peer=n0")
        script.run("stabilize")
        return script
    }

    /// DRBD (drbd9-tests `outdate`: "See if node becomes Outdated when disconnecting from the
    /// primary"): a Secondary that leaves the Primary will miss its writes, so its disk is
    /// Outdated, and it cannot be promoted without `--force`. Before, n1 and n2 stayed UpToDate:
    /// they kept quorum together (2 of 3) while n0 kept it alone (their goodbyes said Outdated),
    /// and a plain `primary` on n1 succeeded: two partitions with quorum, each acknowledging
    /// writes, which quorum exists to prevent.
    @Test("a Secondary that disconnects from the Primary is Outdated and is not promoted without --force")
    func leaverIsOutdated() {
        let script = Self.lastManStanding()
        let state = script.run("state")
        #expect(state.first?.hasPrefix("n0: role:Primary disk:UpToDate") == true, "\(script.text)")
        #expect(state.contains { $0.hasPrefix("n1: role:Secondary disk:Outdated") }, "\(script.text)")
        #expect(state.contains { $0.hasPrefix("n2: role:Secondary disk:Outdated") }, "\(script.text)")
        script.run("write n0 off=4096 pattern=2")
        #expect(script.run("stabilize").contains("n0: client c2 done"), "the last man standing acknowledges with quorum: \(script.text)")
        let refused = script.run("admin n1 primary") + script.run("stabilize")
        #expect(refused.contains { $0.hasPrefix("n1: admin refused:") && $0.contains("Outdated, not UpToDate") }, "\(script.text)")
        #expect(!refused.contains("n1: resource role:Primary may_promote:no"), "n1 was promoted beside n0: \(script.text)")
        // Back with the Primary, each resyncs what it missed and is UpToDate again.
        script.run("admin n1 connect peer=n0")
        script.run("admin n2 connect peer=n0")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        #expect(script.run("data n1 off=4096") == ["n1 off=4096: pattern=2"], "\(script.text)")
    }

    /// The goodbye that says Outdated leaves only once the mark is on disk. n1's metadata write
    /// is held and n1 crashes: n0 never read a goodbye from it, so it still counts n1 (back
    /// UpToDate from its disk) and, when n2 leaves too, has no quorum: its write waits. Had the
    /// goodbye left first, n0 would have kept quorum alone beside two UpToDate replicas.
    @Test("the goodbye waits for the Outdated mark to be on disk")
    func goodbyeWaitsForTheMark() {
        let script = RecordedScript()
        script.run("cluster nodes=3 size=64K quorum=majority")
        script.run("connect-all")
        script.run("stabilize")
        script.run("admin n0 primary force")
        script.run("stabilize")
        script.run("admin n1 disconnect peer=n0")
        script.run("stabilize hold=n1")
        #expect(script.run("state").contains { $0.hasPrefix("  n1 role:Secondary replication:Established") }, "n0 lost n1 before the goodbye: \(script.text)")
        script.run("crash n1")
        script.run("admin n2 disconnect peer=n0")
        script.run("stabilize")
        script.run("write n0 off=0 pattern=1")
        #expect(!script.run("stabilize").contains("n0: client c1 done"), "n0 acknowledged with quorum of itself alone: \(script.text)")
        #expect(script.run("state").first?.hasPrefix("n0: role:Primary disk:UpToDate") == true, "\(script.text)")
    }

    /// The other direction: the Primary closes the connection; the Secondary misses its next
    /// writes and is Outdated until it is resynced.
    @Test("a Secondary the Primary disconnects from is Outdated")
    func leftByThePrimary() {
        let script = RecordedScript()
        script.run("cluster nodes=2 size=64K")
        script.run("connect-all")
        script.run("stabilize")
        script.run("admin n0 primary force")
        script.run("stabilize")
        script.run("admin n0 disconnect")
        script.run("stabilize")
        #expect(script.run("state").contains { $0.hasPrefix("n1: role:Secondary disk:Outdated") }, "\(script.text)")
        #expect((script.run("admin n1 primary") + script.run("stabilize")).contains { $0.hasPrefix("n1: admin refused:") }, "\(script.text)")
    }

    /// n0's write in a new generation is acknowledged with n0's copy alone, then n0 crashes.
    /// n1 is forced Primary and writes in another child of the same parent. At n0's return both
    /// sides changed since that parent: DRBD stops at a split brain (after-sb-0pri disconnect)
    /// and leaves the choice to the operator. Before `generationConfirmedOnDisk`, the flag's
    /// clear had not reached the disk when n0 acknowledged (`metadata n0` showed flags=0x23):
    /// n0 came back flagged as having acknowledged nothing in its generation, yielded by
    /// `split-brain-self-unconfirmed-generation`, and its acknowledged block 1 was resynced
    /// away (pattern 2 → 0) without anyone being asked.
    @Test("a write acknowledged by the last man standing alone is not discarded without the operator")
    func lastMansWriteIsNotDiscarded() {
        let script = Self.lastManStanding()
        script.run("write n0 off=4096 pattern=2")
        #expect(script.run("stabilize").contains("n0: client c2 done"), "\(script.text)")
        let header = script.run("metadata n0").first ?? ""
        let flags = header.split(separator: " ").first { $0.hasPrefix("flags=0x") }.flatMap { UInt32($0.dropFirst(8), radix: 16) }
        #expect(flags.map { $0 & MetadataFlags.generationUnconfirmed.rawValue == 0 } == true,
                "acknowledged with generationUnconfirmed still on disk: \(header)")
        script.run("crash n0")
        script.run("stabilize")
        script.run("admin n1 primary force")
        script.run("stabilize")
        script.run("write n1 off=8192 pattern=3")
        #expect(script.run("stabilize").contains("n1: client c3 done"), "\(script.text)")
        script.run("restart n0")
        script.run("admin n1 connect peer=n0")
        script.run("admin n2 connect peer=n0")
        let reunion = script.run("stabilize")
        #expect(script.run("data n0 off=4096") == ["n0 off=4096: pattern=2"], "\(reunion)\n\(script.text)")
        #expect(!reunion.contains { $0.contains("split-brain-self-unconfirmed-generation") }, "\(reunion)")
    }

    /// The other lone writer (`generationConfirmedOnDisk`): n0 writes beside a diskless
    /// tiebreaker n2 alone, n1 cut off. n0's first write of its new generation is acknowledged
    /// with no diskful peer, and n0 crashes. n1, UpToDate at the previous generation, and n2 have
    /// quorum: a plain `primary` promotes n1, which writes in another child of that generation.
    /// At n0's return both changed since it: a split brain left to the operator, n0's block 1
    /// intact. With the clear not yet on disk, n0 came back flagged as having acknowledged
    /// nothing, yielded, and block 1 was resynced away without any operator action.
    @Test("a write acknowledged beside a diskless tiebreaker alone is not discarded when the other replica is promoted")
    func tiebreakerWritersWriteIsNotDiscarded() {
        let script = RecordedScript()
        script.run("cluster nodes=3 size=64K quorum=majority diskless=n2")
        script.run("connect-all")
        script.run("stabilize")
        script.run("admin n0 primary force")
        script.run("stabilize")
        script.run("write n0 off=0 pattern=1")
        #expect(script.run("stabilize").contains("n0: client c1 done"), "\(script.text)")
        script.run("partition n0 n1")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        script.run("write n0 off=4096 pattern=2")
        #expect(script.run("stabilize").contains("n0: client c2 done"), "n0 and the tiebreaker have quorum: \(script.text)")
        script.run("crash n0")
        script.run("heal")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        #expect((script.run("admin n1 primary") + script.run("stabilize")).contains("n1: admin ok"), "\(script.text)")
        script.run("write n1 off=8192 pattern=3")
        #expect(script.run("stabilize").contains("n1: client c3 done"), "\(script.text)")
        script.run("restart n0")
        script.run("connect-all")
        let reunion = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(script.run("data n0 off=4096") == ["n0 off=4096: pattern=2"], "\(reunion)\n\(script.text)")
        #expect(reunion.contains { $0.hasPrefix("n0: error: r0: split brain detected with node 1 (n1)") }, "\(reunion)")
    }
}
