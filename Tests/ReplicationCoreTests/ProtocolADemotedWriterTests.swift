import Testing
@testable import ReplicationCore

/// A protocol A writer's acknowledged write that only a peer promoted after it lacks, reduced from
/// resync-lane seed 50 as it ran on branch `simsafety-wl3` (main passes that seed by timing). n0,
/// Primary, acknowledges write 2 with its own copy (protocol A) while the write is still queued
/// toward n1; n2 gets it. n0 becomes Secondary and its link to n1 drops with the write unconfirmed,
/// so n0 marks it out of sync toward n1. n1 is promoted with n2's vote, crashes as Primary without
/// the write, and comes back at the same generation.
///
/// Before: n1's promotion put the crashed-Primary mark on its disk, and at equal generations
/// `equal-crashed-primary-protocol-a` made n1 the source toward n0 and n2 (a crashed protocol A
/// Primary may hold acknowledged writes nobody else has): write 2 was resynced away on both. DRBD
/// 9 loses it the same way (MDF_PRIMARY_IND is written at promotion; equal current UUIDs and a
/// crashed Primary on one side make that side SyncSource, and the resync moves the OR of both
/// bitmaps from it; review's reading). n1 had acknowledged nothing. Now the mark goes on disk
/// before a Primary's first write is issued (`finishPromotionIfAnswered`, `startWrite`), so n1
/// returns a crashed Secondary and yields to n0 and to n2 by `equal-crashed`. Beyond DRBD, for
/// the rule that no acknowledged write is lost; a Primary that tracks changes toward an absent
/// peer (its own earlier writes, perhaps) still writes the mark at promotion, as DRBD does
/// (second test).
@Suite("Replication core: a protocol A writer's acknowledged write beside a crashed later Primary")
struct ProtocolADemotedWriterTests {
    /// The crashed-Primary mark as a restart would read it from `node`'s durable header.
    static func durablePrimaryMark(_ script: TwoPrimariesTests.Script, _ node: Int) -> Bool {
        script.runner.cluster?.nodes[node].metadata?.header.flags.contains(.primary) ?? false
    }

    /// Three replicas with protocol A, n0 Primary, write 1 (block 0, pattern 1) everywhere.
    static func protocolAClusterWithWriteOne() -> TwoPrimariesTests.Script {
        let script = TwoPrimariesTests.Script()
        script.cluster(protocolA: true)
        script.run("write n0 off=0 len=4096 pattern=1")  // c1
        script.run("stabilize")
        return script
    }

    static func demoteN0(_ script: TwoPrimariesTests.Script) {
        script.run("admin n0 secondary")
        script.run("stabilize")
    }

    /// Primary `writer` acknowledges write 2 (block 0, pattern 2) with its own copy while it is
    /// still queued toward `peer` (n2 gets it), demotes, and its link to `peer` drops: the write
    /// is marked out of sync toward `peer` and nowhere else.
    static func writeAndDemoteWithWriteQueued(_ script: TwoPrimariesTests.Script, writer: Int, toward peer: Int) {
        script.run("write n\(writer) off=0 len=4096 pattern=2")  // c2
        script.run("stabilize hold-link=n\(writer)-n\(peer)")
        #expect(script.acknowledged(2), "n\(writer) acknowledges write 2 with its own copy (protocol A):\n\(script.text)")
        script.run("admin n\(writer) secondary")
        script.run("stabilize hold-link=n\(writer)-n\(peer)")
        let cut = script.run("partition n\(writer) n\(peer)")
        #expect(cut.contains("n\(writer): peer-device peer:n\(peer) replication:Off peer-disk:DUnknown out-of-sync:4K"),
                "n\(writer) marks the unconfirmed write toward n\(peer):\n\(script.text)")
        script.run("stabilize")
    }

    /// n1 is promoted with n2's vote while cut off from n0.
    static func promoteN1BesideAbsentN0(_ script: TwoPrimariesTests.Script) {
        script.run("admin n1 primary")
        let promoted = script.run("stabilize")
        #expect(promoted.contains("n1: resource role:Primary may_promote:no"), "\(script.text)")
    }

    /// n1 crashes as Primary before any write and returns; everything heals. Returns what the
    /// first stabilize after the heal printed (the connections' plans).
    @discardableResult
    static func crashN1AndHeal(_ script: TwoPrimariesTests.Script) -> [String] {
        script.run("crash n1")
        script.run("restart n1")
        script.run("heal")
        let healed = script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        return healed
    }

    static func expectWriteTwoEverywhere(_ script: TwoPrimariesTests.Script) {
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        for n in 0 ... 2 {
            #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=2"], "acknowledged write 2 lost on n\(n):\n\(script.text)")
        }
    }

    @Test("a demoted protocol A writer's acknowledged write outlives the crash of the Primary that followed it")
    func demotedWriterBesideCrashedPrimary() {
        let script = Self.protocolAClusterWithWriteOne()
        Self.writeAndDemoteWithWriteQueued(script, writer: 0, toward: 1)
        Self.promoteN1BesideAbsentN0(script)
        #expect(!Self.durablePrimaryMark(script, 1), "n1, promoted beside absent n0, has acknowledged nothing yet:\n\(script.text)")
        let healed = Self.crashN1AndHeal(script)
        #expect(healed.contains("n0: info: connected to node 1 (n1): sourceUseBitmap by rule equal-crashed"),
                "n1 returns a crashed Secondary and yields to n0:\n\(script.text)")
        #expect(!healed.contains { $0.contains("equal-crashed-primary") }, "\(script.text)")
        Self.expectWriteTwoEverywhere(script)
    }

    /// The other side of the deferral: a node promoted beside an absent peer toward which it
    /// tracks changes may hold the only copy of writes it acknowledged in an earlier tenure, so it
    /// writes the mark at promotion, and after a crash it is the source as a crashed protocol A
    /// Primary (DRBD's rule). Deferring the mark there too makes n1 a crashed Secondary that
    /// yields to n0, and write 2, which n1 acknowledged and n0 never got, is resynced away.
    @Test("a Primary promoted beside an absent peer it tracks changes toward keeps the crashed-Primary mark")
    func promotedTrackingAbsentPeerKeepsMark() {
        let script = Self.protocolAClusterWithWriteOne()
        Self.demoteN0(script)
        script.run("admin n1 primary")
        script.run("stabilize")
        Self.writeAndDemoteWithWriteQueued(script, writer: 1, toward: 0)
        Self.promoteN1BesideAbsentN0(script)
        #expect(Self.durablePrimaryMark(script, 1), "n1 tracks changes toward absent n0: the mark is on disk at once:\n\(script.text)")
        Self.crashN1AndHeal(script)
        Self.expectWriteTwoEverywhere(script)
    }

    /// The deferred mark is durable before the first write of the Primary's tenure is
    /// acknowledged: the write waits for the metadata version holding it (here with the new
    /// generation that write starts). A crash after the acknowledgement finds a crashed Primary.
    @Test("the deferred crashed-Primary mark is on disk before the first write is acknowledged")
    func deferredMarkBeforeFirstAcknowledgement() {
        let script = Self.protocolAClusterWithWriteOne()
        Self.demoteN0(script)
        script.run("partition n0 n1")
        script.run("stabilize")
        Self.promoteN1BesideAbsentN0(script)
        #expect(!Self.durablePrimaryMark(script, 1), "nothing acknowledged yet:\n\(script.text)")
        script.run("write n1 off=4096 len=4096 pattern=3")  // c2
        script.run("stabilize hold=n1")
        #expect(!script.acknowledged(2), "n1's disk completed nothing:\n\(script.text)")
        // One storage completion at a time: the mark as the disk holds it when the write is acknowledged.
        var markAtAcknowledgement: Bool?
        for _ in 0 ..< 8 where markAtAcknowledgement == nil {
            script.run("complete n1 1")
            script.run("stabilize hold=n1")
            if script.acknowledged(2) { markAtAcknowledgement = Self.durablePrimaryMark(script, 1) }
        }
        #expect(markAtAcknowledgement == true, "the mark is durable when write 2 is acknowledged:\n\(script.text)")
    }

    /// Resync-lane seed 50 on `simsafety-wl3-v2` (the withdrawal merged with main da6b933): n1
    /// receives the writer's acknowledged write 2 but has not written it when the writer demotes
    /// and n1 is promoted with every peer connected; n1 crashes with its promotion's metadata on
    /// disk and write 2 not. With the mark written at promotion n1 came back a crashed protocol A
    /// Primary and was the source toward n0 and n2: write 2 resynced away on both (DRBD the
    /// same). n1 acknowledged nothing as Primary; the mark waits for its first write. Since a
    /// demoted writer keeps its own mark until its peers confirmed its protocol A writes
    /// (EqualGenerationBitsTieTests.missedWriteBitNotOnDiskAfterDemotion), n0's vote waits until
    /// write 2 is on n1's disk: the test checks that wait, then that n1, crashed before its first
    /// write, still does not override the writer.
    @Test("a Primary promoted with every peer connected and crashed before its first write does not override the writer before it")
    func promotedConnectedCrashedBeforeFirstWrite() {
        let script = Self.protocolAClusterWithWriteOne()
        script.run("write n0 off=0 len=4096 pattern=2")  // c2: n1 holds it in its storage queue
        script.run("stabilize hold=n1")
        #expect(script.acknowledged(2), "n0 acknowledges write 2 with its own copy (protocol A):\n\(script.text)")
        script.run("admin n0 secondary")
        script.run("stabilize hold=n1")
        script.run("admin n1 primary")
        // n0 keeps its Primary mark until n1 confirms write 2 (`clearPrimaryMarkOnceConfirmed`),
        // and its vote waits for that: n1 is promoted once write 2 is on its disk.
        let held = script.run("stabilize hold=n1")
        #expect(held.contains("n0: info: the promotion of node 1 (n1) waits until its peers confirm the protocol A writes it made as Primary"),
                "\(script.text)")
        var promoted = false
        for _ in 0 ..< 8 where !promoted {
            script.run("complete n1 1")
            promoted = script.run("stabilize hold=n1").contains("n1: resource role:Primary may_promote:no")
        }
        #expect(promoted, "\(script.text)")
        script.run("crash n1 apply-metadata")
        #expect(!Self.durablePrimaryMark(script, 1), "n1 acknowledged nothing as Primary:\n\(script.text)")
        script.run("restart n1")
        script.run("heal")
        let healed = script.run("stabilize")
        #expect(!healed.contains { $0.contains("equal-crashed-primary") }, "\(script.text)")
        script.run("tick 20")
        script.run("stabilize")
        Self.expectWriteTwoEverywhere(script)
    }
}
