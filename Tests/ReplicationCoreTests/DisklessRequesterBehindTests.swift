import Testing
@testable import ReplicationCore

/// Simulation seed 3402 (split brain, 3 nodes, protocol C; new ground of session 21, traced by
/// review). n0, Primary at DAF8 with n2 cut off, started 4467 (n2 absent); n1 took it, n0 crashed
/// before 4467 was durable on its own disk and came back at DAF8, and its disk failed during the
/// resync from n1: Diskless, reporting DAF8. n1 (4467) and n2 (DAF8) then voted n0 in
/// (`knowsNewerGeneration` does not judge a requester without a disk: "it writes through its
/// UpToDate peers"), and n0 started 46E1 from its own DAF8 — a sibling of n1's 4467. n1 and n2
/// met at the heal across a split brain since DAF8 (n2 changed 8 KiB, n1 nothing).
///
/// Reduced (3 nodes, quorum majority): n0, Primary at G0 with n2 cut off, starts G1 with its
/// first write; n1 takes G1 and the write, n0's own storage completes nothing (its metadata write
/// of G1 either) and n0 crashes: back at G0. Restarted alone and healed, it is n1's full-sync target and its disk fails on the first
/// resync write: Diskless, reporting G0. Before protocol 23: n1 (G1) and n2 (G0) voted it in; its first write started G2
/// from G0, which n2 took; n1 acknowledged the write and stayed at G1 (the announcement's parent
/// is not its current). n1 restarted: split brain n1/n2 since G0 (n2's message names generation
/// 0000000000000000, as in 3402, where the common ancestor is G0: a wrong message, left). The checks:
/// no split brain, replicas identical at the end. Direction (promotion, nbdpath): open direction 1
/// of session 20 (LOST 2975): judge a diskless requester by the generation its new one will
/// descend from against the voter's current and superseded list (n1 knows G0 was moved past), or
/// start a diskless writer's generation from its newest UpToDate peer's current, not its own.
/// Fixed in session 21 (nbdpath, protocol 23): the promotion request names the generation n0's
/// data is at (G0, n2's and its own), and n1, which holds G0 in its history, refuses it
/// (`knowsNewerGeneration`; DisklessPromotedPastSupersededTests holds the rule's cases).
@Suite("Replication core: a diskless requester behind a voter's current")
struct DisklessRequesterBehindTests {
    @Test("a diskless node whose generation a voter moved past does not start a sibling of the voter's")
    func disklessRequesterBehindVoter() {
        let script = RecordedScript()
        for line in ["cluster nodes=3 size=64K quorum=majority", "connect-all", "stabilize", "admin n0 primary force", "stabilize",
                     "partition n0 n2", "stabilize",
                     // c1 starts G1 with n2 absent: n1 takes it; n0's storage completes nothing before its crash.
                     "write n0 off=8192 len=4096 pattern=1", "stabilize hold=n0"] {
            script.run(line)
        }
        // n1's messages to n2 stay on their link until the promotion: since session 23 n2, which
        // lost n0 as Primary while UpToDate, announces tail 0, and n1's writer-lost at n0's crash
        // makes n2 renegotiate and resync to G1 from n1 (`renegotiateAfterWriterLost`). n2 at G1
        // would make n0's data G1 and the vote rule under test would have nothing to refuse; in
        // 3402 n2 was still at DAF8 (G0) when n0 asked.
        for line in ["crash n0", "isolate n0", "stabilize hold-link=n1-n2", "restart n0", "stabilize hold-link=n1-n2",
                     // Back at G0, n0 is n1's resync target; its disk fails on the first resync write.
                     "fail-writes n0 1", "heal", "stabilize hold-link=n1-n2", "tick 10", "stabilize hold-link=n1-n2",
                     "trace-messages"] {
            script.run(line)
        }
        // The refusal is the rule under test: without it n0 was voted in and started G2 from G0.
        let (answer, promoted) = script.promote(0)
        #expect(!promoted, "n0, diskless at G0 which n1 moved past, was promoted:\n\(script.text)")
        #expect(answer.contains { $0.contains("n0: admin refused") && $0.contains("has no disk and would expose the data of its UpToDate peers") },
                "n0's promotion is refused, saying why:\n\(answer.joined(separator: "\n"))")
        script.run("write n0 off=16384 len=4096 pattern=2")
        for line in ["stabilize", "state", "admin n0 secondary", "stabilize", "crash n1", "stabilize", "restart n1", "stabilize",
                     "tick 20", "stabilize", "state"] { script.run(line) }
        #expect(!script.text.contains("split brain"), "\(script.text)")
        #expect(script.run("compare").first?.hasSuffix("identical") == true, "\(script.text)")
    }
}
