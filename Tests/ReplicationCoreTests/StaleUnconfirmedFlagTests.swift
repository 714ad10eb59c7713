import Testing
@testable import ReplicationCore

/// Simulation seed 3775 (no convergence, 4 nodes, protocol A; new with 9aec984 in session 23,
/// passing on b7e6f95 by timing; traced on 5a5e7d5's release bundle). A cycle of yields, each
/// plan right from its own two handshakes. n0, Primary at 9464, started ADBE (n1 absent) and
/// acknowledged c1 on its send buffers; n2, promoted with n1 and n3 at 9464, started 6721 (n0
/// absent) and acknowledged c6, whose copies reached n1 and n3 (their `generationUnconfirmed`
/// cleared on the write's arrival). Both writers crashed before a header without the flag was
/// durable: a diskful peer's answer (with protocol A, the send) lets the acknowledgement go at
/// once, the clear reaching the disk with the next header. Back, both carried the stale flag.
/// n0–n2: two unconfirmed children of 9464, neither Inconsistent, so the higher node id yields
/// (ForgottenGenerationSiblingTests' rule): n2, a full sync from n0. n0–n1: n0 unconfirmed, n1 (at
/// 6721 without the flag) not, so n0 yields (`split-brain-self-unconfirmed-generation`) and is
/// Outdated. n1–n2 at 6721: n1 (Outdated by its quorum loss) is n2's target. n2's and n1's
/// resyncs stopped at 0 % as each source became Outdated in turn; at the end n0 was Outdated at
/// ADBE, n1, n2, n3 Inconsistent at 6721, every resync paused for a source that waited in turn.
///
/// Not the rule session 23's reading suggested (the same-parent yields make an Inconsistent side
/// the source: check its disk state, DRBD's "due to disk states"). That check would break the
/// cycle at n0–n1 by making n1 the full-sync target, and lose what n1 alone still holds: below,
/// n1 holds c3, acknowledged, and the check resyncs it away on every replica (branch
/// simrestart-inconsrc e4b6dd3). What is wrong is n2's flag: a peer at its generation shows, by
/// its own missing flag, that a write of it arrived, so writes of it may have been acknowledged.
/// `noteGenerationConfirmed(by:)` clears the flag on such a handshake; n2 then meets n0 without
/// it and n0, unconfirmed, yields to n2 as it does to n1.
@Suite("Replication core: a stale unconfirmed flag and a peer that took a write of the generation")
struct StaleUnconfirmedFlagTests {
    @Test("a writer back with a stale unconfirmed flag does not yield its acknowledged write to an unconfirmed sibling")
    func staleFlagClearedByPeer() {
        let script = RecordedScript()
        // n0 Primary at G0, block 0 (c1) everywhere. n0 loses n1; c2 starts G1 (n1 absent), the
        // announcement and c2 stay on n0's link to n2, and n0 crashes: G1 is on its disk with
        // the flag, rightly (nothing of G1 was acknowledged).
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority")
        for line in ["partition n0 n1", "stabilize", "write n0 off=4096 pattern=2", "stabilize hold-link=n0-n2"] {
            script.run(line)
        }
        #expect(script.run("metadata n0").first?.contains("flags=0x23") == true, "n0: Primary, G1 unconfirmed:\n\(script.text)")
        // n1 and n2, a majority at G0: n2 is promoted and c3 starts G2 (n0 absent), a sibling of
        // G1, acknowledged with n1's copy. n2 crashes before a header without the flag is durable.
        for line in ["crash n0", "heal", "admin n2 primary", "stabilize", "write n2 off=8192 pattern=3", "stabilize"] {
            script.run(line)
        }
        #expect(script.result(2) != true, "c2 is not acknowledged:\n\(script.text)")
        #expect(script.result(3) == true, "c3 is acknowledged:\n\(script.text)")
        #expect(script.run("metadata n2").first?.contains("flags=0x23") == true, "n2's header still says G2 unconfirmed:\n\(script.text)")
        #expect(script.run("metadata n1").first?.contains("flags=0x1 ") == true, "n1 took a write of G2: no flag:\n\(script.text)")
        // n1, alone, is Outdated by its quorum loss. n2 comes back and makes n1 its resync target
        // (its crash's activity-log blocks), n2's disk slow: n1 is Inconsistent at G2.
        for line in ["crash n2", "restart n2", "stabilize hold=n2"] {
            script.run(line)
        }
        #expect(script.runner.cluster?.nodes[1].instance?.diskState == .inconsistent, "n1 is n2's resync target:\n\(script.text)")
        // n0 comes back beside n2 only, then meets n1, both disks slow.
        let met = ["partition n0 n1", "restart n0", "stabilize hold=n0,n2", "heal", "stabilize hold=n0,n2"].flatMap { script.run($0) }
        #expect(met.contains("n0: info: connected to node 2 (n2): targetFull by rule common-history-self-unconfirmed-generation"),
                "n0, unconfirmed, yields to n2, whose flag n1 showed stale:\n\(script.text)")
        for line in ["stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "they converge:\n\(script.text)")
        for n in 0 ... 2 {
            #expect(script.run("data n\(n) off=8192") == ["n\(n) off=8192: pattern=3"], "c3 (acknowledged) kept on n\(n):\n\(script.text)")
            #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=1"], "c1 (acknowledged) kept on n\(n):\n\(script.text)")
        }
    }
}
