import Testing
@testable import ReplicationCore

/// Simulation seed 1574 (review, 17:13; SPLITBRAIN on review-4448-barrier, whose line only moves
/// the timing). Three nodes, protocol C, quorum majority. A superseded note taken from a writer's
/// announcement expires when the writer's connection ends before any write arrived
/// (`expireSupersededAwaitingWrite`, 251b285): its argument is that no acknowledged write rests
/// on the note. True here, and yet the vote it then gives makes a split brain: the writer n1 had
/// started G1 from G0 and then G2 from G1 (it lost n0, which had just connected at G0 and
/// reported UpToDate), and wrote in both without acknowledging anything (its writes waited for
/// n2). n2, Inconsistent, noted G0 superseded from G1's announcement and nothing else reached it;
/// n1 crashed; n2 dropped the note and voted n0, UpToDate at G0, in; n0 started G3 from G0. At
/// n1's return both changed since G0, and n1's unconfirmed flag speaks only of G2, whose parent G1
/// n0 does not know (`unconfirmedGenerationIsWholeBranch`), so nobody yields: split brain.
///
/// Fixed (`staysInUnconfirmedGeneration`): a Primary whose current is unconfirmed does not start
/// another generation on losing a peer that never held the current (n0, at G0, whose resync from
/// n1 had not begun) while no other replica receiving its writes may hold it (n2, Inconsistent at
/// an older generation): n1 stays in G1, whose parent G0 n0 knows, and yields at the reunion
/// (`split-brain-self-unconfirmed-generation`, a bitmap resync: both track since G0). Mutation:
/// the rule off (n1 starts G2 as before) gives the split brain again. Directions not taken:
/// keeping an expired note as a refusal until the writer comes back (liveness), or a flag that
/// covers the run since the last acknowledged write (a wire change).
@Suite("Replication core: an expired superseded note beside a writer's unconfirmed generation")
struct ExpiredNoteSplitBrainTests {
    @Test("seed 1574: the writer stays in its unconfirmed G1 on losing n0, which never held it, and yields to the expired note's G3")
    func writerStaysInUnconfirmedGeneration() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority protocol=C")
        // n2 Inconsistent (its disk completes nothing); n0 crashes; n1 is promoted; c2 starts G1.
        for line in ["admin n2 invalidate", "stabilize hold=n2", "crash n0", "stabilize hold=n2",
                     "admin n1 primary", "stabilize hold=n2",
                     "write n1 off=4096 len=4096 pattern=2", "stabilize hold=n2 hold-link=n1-n2",
                     // n0 comes back at G0 and reaches n1 (UpToDate there), n1's answer held; the
                     // link drops: n1's next write stays in G1 (before the fix it started G2).
                     "restart n0", "stabilize hold=n2 hold-link=n1-n2,n1-n0", "partition n0 n1",
                     "write n1 off=8192 len=4096 pattern=3", "stabilize hold=n2 hold-link=n1-n2",
                     // n2 gets G1's announcement only; n1 crashes: n2's note of G0 expires.
                     "deliver n1 n2", "crash n1", "stabilize hold=n2", "heal", "stabilize hold=n2"] {
            script.run(line)
        }
        #expect(script.result(2) != true && script.result(3) != true, "n1 acknowledged nothing:\n\(script.text)")
        script.run("admin n0 primary")
        let promoted = script.run("stabilize hold=n2").contains("n0: admin ok")
        script.run("write n0 off=12288 len=4096 pattern=4")
        script.run("stabilize hold=n2")
        #expect(promoted, "n0, voted in by n2 at G0, writes G3:\n\(script.text)")
        script.run("restart n1")
        script.run("stabilize")
        let text = script.text
        #expect(!text.contains("split brain detected"), "\(text)")
        // n1 started one generation (G1, at n0's crash), not G2 at n0's second loss.
        #expect(text.components(separatedBy: "n1: info: new current generation").count == 2, "\(text)")
        #expect(text.contains("n1: info: connected to node 0 (n0): targetUseBitmap by rule split-brain-self-unconfirmed-generation"),
                "n1, nothing acknowledged in G1 (a child of G0, which n0 knows), yields to n0's G3:\n\(text)")
        #expect(script.result(4) == true, "n0's write in G3 is acknowledged:\n\(text)")
    }
}

/// The scope of `staysInUnconfirmedGeneration`: another replica receiving the writer's writes
/// holds its current generation, so the lost peer (which never held it) may be resynced to it
/// there, unseen by the writer. n1, Primary at G1 (n0 crashed), unconfirmed: its disk completes
/// nothing, so G1's header and c2 stay pending; n2 followed G1's announcement, UpToDate. n0 comes
/// back at G0 and reaches n1, which plans a resync into it (WFBitMapS); n2 resyncs n0 to G1 while
/// n0's reports to n1 stay queued, and the n0–n1 link drops: n1 last heard n0 UpToDate at G0.
/// n1's next write, c3, starts G2, as before the rule: n0 at G1 is then behind a generation n2
/// takes too. Mutation: the clause "no other replica may hold the current" off → n1 stays in G1
/// (the generation count fails). In that run c3 still reached n0 (n2 and n0 reconciled the lost
/// writer's last writes after n1's crash), so the clause is a bound on the rule's argument, not
/// a loss this scenario shows; n0 is promoted holding c3 either way.
@Suite("Replication core: a writer that loses a peer behind its unconfirmed generation, beside a replica holding it")
struct UnconfirmedGenerationHolderTests {
    @Test("n2 holds n1's unconfirmed G1 and may resync n0 to it: n1 starts G2 on losing n0")
    func newGenerationWhileAnotherReplicaHoldsCurrent() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority protocol=C")
        for line in ["admin n0 secondary", "stabilize", "admin n1 primary", "stabilize", "crash n0", "stabilize",
                     // c2 starts G1 (n0 absent); n1's disk completes nothing: G1 stays unconfirmed.
                     "write n1 off=4096 len=4096 pattern=2", "stabilize hold=n1",
                     // n0 comes back at G0 and reaches n1 (its resync from n1 planned); n0 and n2
                     // connect, n2 resyncs n0 to G1, and n0's reports to n1 stay queued; the link drops.
                     "restart n0", "connect-wanted", "deliver n0 n1", "stabilize hold=n1 hold-link=n1-n0,n0-n1",
                     "partition n0 n1", "stabilize hold=n1"] {
            script.run(line)
        }
        script.run("write n1 off=8192 len=4096 pattern=3")
        script.run("stabilize")
        #expect(script.result(3) == true, "c3 is acknowledged (n1 and n2):\n\(script.text)")
        #expect(script.text.components(separatedBy: "n1: info: new current generation").count == 3,
                "n1 starts G2 from G1 at c3 (n2 may have given n0 G1):\n\(script.text)")
        script.run("crash n1")
        script.run("stabilize")
        let promoted = script.promote(0).promoted
        let block = script.run("data n0 off=8192")
        #expect(!promoted || block == ["n0 off=8192: pattern=3"], "n0 promoted without c3, an acknowledged write:\n\(script.text)")
    }
}

/// review's mutation review of 7775892 (session 24): nothing caught `cannotHoldCurrent`'s
/// `sameHistory` guard. A replica at this node's current generation holds it, whatever state its
/// disk or its resync is in, so it is one of the "other replicas that may hold the current" that
/// make the Primary start a new generation on losing a peer (`staysInUnconfirmedGeneration`):
/// it can resync the lost peer to the current behind the Primary's back.
@Suite("Replication core: a replica resynced at the writer's current generation holds it")
struct CurrentGenerationResyncTargetTests {
    @Test("n2, invalidated at n1's unconfirmed G1, holds G1: n1 starts G2 on losing n0")
    func resyncTargetAtCurrentHoldsIt() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority protocol=C")
        for line in ["admin n0 secondary", "stabilize", "admin n1 primary", "stabilize", "crash n0", "stabilize",
                     // c2 starts G1 (n0 absent); n1's disk completes nothing: G1 stays unconfirmed.
                     "write n1 off=4096 len=4096 pattern=2", "stabilize hold=n1",
                     // n2, at G1, is invalidated: Inconsistent, n1's full-sync target at G1.
                     "admin n2 invalidate", "stabilize hold=n1",
                     // n0 comes back at G0 and reaches n1 alone (n1 plans its resync: WFBitMapS,
                     // n0 still UpToDate), and the link drops.
                     "restart n0", "partition n0 n2", "connect-wanted", "deliver n0 n1", "stabilize hold=n1 hold-link=n1-n0,n0-n1",
                     "partition n0 n1", "stabilize hold=n1"] {
            script.run(line)
        }
        #expect(script.runner.cluster?.nodes[1].instance?.flags.contains(.generationUnconfirmed) == true,
                "n1's G1 is unconfirmed:\n\(script.text)")
        #expect(script.runner.cluster?.nodes[2].instance?.diskState == .inconsistent, "n2 is n1's resync target:\n\(script.text)")
        script.run("write n1 off=8192 len=4096 pattern=3")
        script.run("stabilize")
        #expect(script.result(3) == true, "c3 is acknowledged (n1 and n2):\n\(script.text)")
        #expect(script.text.components(separatedBy: "n1: info: new current generation").count == 3,
                "n1 starts G2 from G1 at c3 (n2, at G1, may give n0 G1):\n\(script.text)")
    }
}
