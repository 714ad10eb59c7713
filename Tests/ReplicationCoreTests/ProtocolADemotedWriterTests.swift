import Testing
@testable import ReplicationCore

/// A protocol A writer's acknowledged write that only a peer promoted after it lacks, reduced from
/// resync-lane seed 50 as it ran on branch `simsafety-wl3` (main passes that seed by timing). n0,
/// Primary, acknowledges write 2 with its own copy (protocol A) while the write is still queued
/// toward n1; n2 gets it. n0 becomes Secondary and its link to n1 drops with the write unconfirmed,
/// so n0 marks it out of sync toward n1. n1 is promoted with n2's vote, crashes as Primary without
/// the write, and comes back UpToDate at the same generation with the crashed Primary's flag.
///
/// Open (a known issue): at equal generations `equal-crashed-primary-protocol-a` makes n1 the
/// source toward n0 and n2 (a crashed protocol A Primary may hold acknowledged writes nobody else
/// has), and write 2 is resynced away on both. n0's bits say n1 lacks a write n0 acknowledged;
/// n1's crash bits say only that its extents may differ (it acknowledged nothing as Primary). The
/// rule has to weigh the survivor's acknowledged, unconfirmed writes against the crashed
/// Primary's; when it does, this test fails as a known issue that no longer occurs and moves out
/// of `withKnownIssue`. DRBD 9 loses the write the same way (equal current UUIDs and a crashed
/// Primary on one side: that side is SyncSource, and the resync moves the OR of both bitmaps
/// from it, so n0's bit for write 2 copies n1's old block over it; review's reading): closing
/// this goes beyond DRBD, for this project's rule that no acknowledged write is lost.
@Suite("Replication core: a protocol A writer's acknowledged write beside a crashed later Primary")
struct ProtocolADemotedWriterTests {
    @Test("a demoted protocol A writer's acknowledged write outlives the crash of the Primary that followed it")
    func demotedWriterBesideCrashedPrimary() {
        let script = TwoPrimariesTests.Script()
        script.cluster(protocolA: true)
        script.run("write n0 off=0 len=4096 pattern=1")  // c1
        script.run("stabilize")
        script.run("write n0 off=0 len=4096 pattern=2")  // c2, still queued toward n1
        script.run("stabilize hold-link=n0-n1")
        #expect(script.acknowledged(2), "n0 acknowledges write 2 with its own copy (protocol A):\n\(script.text)")
        script.run("admin n0 secondary")
        script.run("stabilize hold-link=n0-n1")
        let cut = script.run("partition n0 n1")
        #expect(cut.contains("n0: peer-device peer:n1 replication:Off peer-disk:DUnknown out-of-sync:4K"),
                "n0 marks the unconfirmed write toward n1:\n\(script.text)")
        script.run("stabilize")
        script.run("admin n1 primary")
        let promoted = script.run("stabilize")
        #expect(promoted.contains("n1: resource role:Primary may_promote:no"), "\(script.text)")
        script.run("crash n1")
        script.run("restart n1")
        script.run("heal")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        withKnownIssue("equal-crashed-primary-protocol-a resyncs a demoted protocol A writer's acknowledged write away") {
            for n in 0 ... 2 {
                #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=2"], "acknowledged write 2 lost on n\(n):\n\(script.text)")
            }
        }
    }
}
