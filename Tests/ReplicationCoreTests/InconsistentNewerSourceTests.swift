import Testing
@testable import ReplicationCore

/// Simulation seed 2878 (no convergence, 3 nodes, protocol C; new on main in session 22, traced by
/// review in session 23 on b83e042's release bundle). n0, Primary, its disk failed (a diskless
/// Primary since), lost n2 (crashed) with writes n1 had and n2 lacked; n2 came back UpToDate at
/// the same generation 3460 and connected to n1 first: `equal-peer-holds-missed-writes`, n2 the
/// target, waiting for n1's bitmap (WFBitMapT, still UpToDate: an equal-generation plan makes it
/// Inconsistent only once the exchange finds bits). n0, back with quorum, started 4171 and
/// announced it; n2 took it there (`onNewGeneration`: UpToDate, no resync running yet; DRBD gives
/// a WFBitMapT peer the new current UUID too), n1 never did (it crashed with the announcement on
/// its link). n2's resync from n1 then began at 4171, 64 KiB to go, and n1 crashed. n1 came back
/// UpToDate at 3460 and met n2, Inconsistent at 4171 whose history starts at 3460:
/// `my-current-in-peer-history` made n1 the full-sync target of n2, "paused until the source is
/// UpToDate" — n2 can only become UpToDate from n1. Both waited for good (the seed's last status:
/// n1 Outdated PausedSyncT toward n2, n2 Inconsistent PausedSyncS toward both; n0, its failed
/// disk re-attached at its restart at step 622, Outdated at its older 3A51). No write of 4171 was
/// acknowledged (each waited for n1's copy); every acknowledged write is on n1.
/// Seed 4581 (noconv, 4 nodes, new ground) is the same class: n2, WFBitMapT toward n1 at 4F79,
/// took n0's 5C81; n0 crashed, n1 never took it; n2's resync from n1 began at 5C81 and stopped.
///
/// Below the same with n0 demoted before n1 returns. DRBD decides this pair "due to disk states"
/// (drbd_sync_handshake: exactly one side Inconsistent, the other becomes the source, with a full
/// sync where the generations asked for one), whatever the generations say; on main before
/// session 24 that override stood only in the split-brain and common-history branches of
/// `GenerationComparison.plan`, not in the history rules. Fixed (session 24, simsafety): an
/// Inconsistent side whose current is a direct child of the consistent side's current is that
/// side's full-sync target (`self-inconsistent-child-of-peer-current`), before the bitmap and
/// history rules; the safety side (the yielding side notes the parent superseded) is
/// `InconsistentChildYieldsTests`. Not a safety failure before: nothing acknowledged was at
/// stake, nothing was ever served.
@Suite("Replication core: an Inconsistent replica newer by history than its own resync source")
struct InconsistentNewerSourceTests {
    @Test("a resync target that took a writer's new generation before its resync began does not stall its source")
    func sourceBackBesideInconsistentNewerTarget() {
        let script = RecordedScript()
        // n0 Primary at G0, block 0 written everywhere; its disk fails at its next write, and
        // its first write as a diskless Primary starts G1 (c2, c3 acknowledged on n1 and n2).
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority")
        for line in ["fail-writes n0 1", "write n0 off=4096 pattern=2", "stabilize",
                     "write n0 off=12288 pattern=2", "stabilize",
                     // c4 reaches n1 only; n2 crashes: n1 tracks block 2 toward n2, both at G1.
                     "write n0 off=8192 pattern=3", "stabilize hold-link=n0-n2", "crash n2", "stabilize",
                     // n2 back UpToDate at G1 connects to n1 first: n2 the target (its crash),
                     // waiting for n1's bitmap.
                     "restart n2", "connect-wanted", "deliver n1 n2", "deliver n2 n1"] {
            script.run(line)
        }
        #expect(script.result(2) == true && script.result(3) == true, "c2 and c3 are acknowledged:\n\(script.text)")
        #expect(script.result(4) != true, "c4 is not acknowledged:\n\(script.text)")
        // n0, with quorum again through n2, starts G2 at its next write; only n2 hears of it
        // (n0's messages to n1 and n1's bitmap to n2 stay on their links, n1's disk is slow).
        for line in ["stabilize hold-link=n1-n2,n0-n1 hold=n1", "write n0 off=16384 pattern=4",
                     "stabilize hold-link=n1-n2,n0-n1 hold=n1",
                     // The bitmap arrives: n2's resync from n1 begins, Inconsistent at G2.
                     "stabilize hold-link=n0-n1 hold=n1"] {
            script.run(line)
        }
        let n2 = script.runner.cluster?.nodes[2].instance
        #expect(n2?.diskState == .inconsistent, "n2 is n1's resync target:\n\(script.text)")
        #expect(n2?.generations.current != script.runner.cluster?.nodes[1].instance?.generations.current,
                "n2 took G2, n1 did not:\n\(script.text)")
        // n1 crashes mid-resync (c5, G2's write, is not acknowledged), n0 steps down, n1 comes back.
        for line in ["crash n1", "stabilize", "admin n0 secondary", "stabilize", "restart n1", "stabilize",
                     "tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(script.result(5) != true, "c5 is not acknowledged:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "n1 and n2 converge:\n\(script.text)")
        #expect(script.run("data n2 off=4096") == ["n2 off=4096: pattern=2"], "c2 kept:\n\(script.text)")
        #expect(script.run("data n2 off=12288") == ["n2 off=12288: pattern=2"], "c3 kept:\n\(script.text)")
        // n2 yielded G2 and took G1 at its resync's end: it refuses its vote to a replica at G1
        // (the note `negotiate` takes), though n1 and n2 are a majority without the writer. Here
        // no write of G2 was acknowledged, but n2 cannot know that: with a diskful writer its
        // writes of G2 are acknowledged with n2 as the quorum's second copy, and n1 voted in at
        // G1 by n2 would write a sibling of G2, a split brain at the writer's return. Switched
        // off, n1 is promoted here.
        script.run("crash n0")
        script.run("stabilize")
        let promotion = script.promote(1)
        #expect(!promotion.promoted, "n2 refuses n1 at the generation n0 moved past:\n\(script.text)")
        #expect(promotion.output.contains { $0.contains("has not yet received the newer data of node 2") },
                "n2's refusal:\n\(script.text)")
    }
}
