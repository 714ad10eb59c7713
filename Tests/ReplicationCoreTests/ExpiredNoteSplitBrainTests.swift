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
/// Directions (not done): (a) a Primary whose current is unconfirmed (no write acknowledged in it)
/// does not start another generation when it loses a peer that never held that current (n0
/// reported UpToDate at G0, already absent from G1): G1 stays its whole branch and it yields at
/// the reunion; or (b) the unconfirmed flag covers the run of generations started since the last
/// acknowledged write (a handshake field: a wire change), so `unconfirmedGenerationIsWholeBranch`
/// sees G1→G2 as one branch from G0.
@Suite("Replication core: an expired superseded note beside a writer's two unconfirmed generations")
struct ExpiredNoteSplitBrainTests {
    @Test("seed 1574: the expired note's vote and the writer's G1→G2 meet as a split brain")
    func splitBrainAfterExpiry() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority protocol=C")
        // n2 Inconsistent (its disk completes nothing); n0 crashes; n1 is promoted; c2 starts G1.
        for line in ["admin n2 invalidate", "stabilize hold=n2", "crash n0", "stabilize hold=n2",
                     "admin n1 primary", "stabilize hold=n2",
                     "write n1 off=4096 len=4096 pattern=2", "stabilize hold=n2 hold-link=n1-n2",
                     // n0 comes back at G0 and reaches n1 (UpToDate there), n1's answer held; the
                     // link drops: n1's next write starts G2 from G1.
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
        withKnownIssue("seed 1574: n1 (G0→G1→G2, nothing acknowledged) and n0 (G0→G3) meet as a split brain") {
            #expect(!script.text.contains("split brain detected"), "\(script.text)")
        }
    }
}
