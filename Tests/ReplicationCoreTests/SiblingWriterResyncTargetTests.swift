import Testing
@testable import ReplicationCore

/// review's mutation review of 04e59ae (sessions 24 and 25): a replica clears
/// `generationUnconfirmed` at the arrival of a write only where the writer is at this node's
/// generation (`onReplicatedWrite`'s `sameHistory`). Until now only fixed seeds 982, 992 and 1504
/// caught that condition. Traced on 1504 with the clear at any write: n0, back at its
/// unconfirmed EF8A, yielded to Primary n1 at 0FF1, a sibling (`split-brain-self-unconfirmed-
/// generation`), and as n1's resync target took n1's write 4, a write of 0FF1: that cleared n0's
/// flag for EF8A, a generation in which no write was ever acknowledged. Its resync cut, n0 met n1
/// again Inconsistent at EF8A without the flag: both sides changed since 79CA, a split brain
/// (StandAlone) where the flag makes n0 the full-sync target (`split-brain-self-inconsistent-
/// unconfirmed`). A write of the writer's own, newer generation says nothing of this node's.
@Suite("Replication core: a sibling writer's write does not confirm a resync target's generation")
struct SiblingWriterResyncTargetTests {
    @Test("an unconfirmed resync target keeps its flag through the sibling writer's writes")
    func siblingWriteKeepsFlag() {
        let script = RecordedScript()
        // n0 Primary at G0, block 0 (c1) everywhere. n0 loses n1; c2 starts G1 (n1 absent), the
        // announcement and c2 stay on n0's link to n2, and n0 crashes: G1 unconfirmed on its disk
        // (nothing of G1 was acknowledged).
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority")
        for line in ["partition n0 n1", "stabilize", "write n0 off=4096 pattern=2", "stabilize hold-link=n0-n2",
                     // n1 and n2, a majority at G0: n2 is promoted and c3 starts G2 (n0 absent), a
                     // sibling of G1, acknowledged with n1's copy; n2 stays Primary.
                     "crash n0", "heal", "admin n2 primary", "stabilize", "write n2 off=8192 pattern=3", "stabilize"] {
            script.run(line)
        }
        #expect(script.result(3) == true, "c3 is acknowledged:\n\(script.text)")
        // n0 comes back flagged at G1 and yields to n2 at G2; its disk is slow, so its resync
        // has not ended when n2's next write, c4 (of G2), arrives.
        let met = ["restart n0", "stabilize hold=n0"].flatMap { script.run($0) }
        #expect(met.contains("n0: info: connected to node 1 (n1): targetUseBitmap by rule split-brain-self-unconfirmed-generation"),
                "n0, unconfirmed at G1, yields to n1 at G2:\n\(script.text)")
        for line in ["write n2 off=12288 pattern=4", "stabilize hold=n0"] {
            script.run(line)
        }
        #expect(script.runner.cluster?.nodes[0].instance?.diskState == .inconsistent, "n0 is n2's resync target:\n\(script.text)")
        #expect(script.runner.cluster?.nodes[0].instance?.flags.contains(.generationUnconfirmed) == true,
                "c4 is a write of G2: n0 still acknowledged nothing of G1:\n\(script.text)")
        // n0's resync is cut before its end; it meets its peers again.
        let again = ["isolate n0", "stabilize", "heal", "stabilize"].flatMap { script.run($0) }
        #expect(again.contains("n0: info: connected to node 1 (n1): targetFull by rule split-brain-self-inconsistent-unconfirmed"),
                "n0, Inconsistent and still unconfirmed at G1, is n1's full-sync target:\n\(script.text)")
        for line in ["tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(script.result(4) == true, "c4 is acknowledged:\n\(script.text)")
        #expect(!script.trace.contains { $0.contains("split brain detected") }, "no split brain:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "they converge:\n\(script.text)")
        for n in 0 ... 2 {
            #expect(script.run("data n\(n) off=8192") == ["n\(n) off=8192: pattern=3"], "c3 (acknowledged) on n\(n):\n\(script.text)")
            #expect(script.run("data n\(n) off=12288") == ["n\(n) off=12288: pattern=4"], "c4 (acknowledged) on n\(n):\n\(script.text)")
        }
    }
}
