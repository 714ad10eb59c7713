import Testing
@testable import ReplicationCore

/// Resync-lane seed 64 on seq2r-127 (a writer's new generation announced only once its header is
/// durable; 3 nodes, protocol C; split brain). n1, Primary at C534, started 66D7 with n2 absent;
/// the n1-n2 link dropped before the announcement went out, so n2 stayed at C534. n0, an
/// Inconsistent resync target of n1, took the announcement (noting C534 superseded) and write 3;
/// n1 lost quorum and demoted, and n0 voted n2 in at C534. n0 carried `primaryLostQuorum` from
/// its own earlier tenure (a resync target keeps it until the resync ends), and with the flag
/// `knowsNewerGeneration` trusted nothing, the note included: n2 started 55C3 beside 66D7, a
/// split brain at the heal.
///
/// Fixed (session 24): a superseded note is another writer's news, not this node's history: it
/// refuses the requester whatever the flag. Mutation: the note checked after the
/// flag's exemption again, n0 grants and n2 is promoted.
@Suite("Replication core: a voter flagged primaryLostQuorum that noted a writer's new generation")
struct FlaggedVoterSupersededNoteTests {
    @Test("the voter refuses a requester at the generation the writer moved past")
    func flaggedVoterKeepsNote() {
        let script = RecordedScript()
        script.lostQuorumSecondaryN0("cluster nodes=3 size=64K quorum=majority")
        #expect(script.run("metadata n0").first?.contains("flags=0x5") == true, "n0 keeps the flag:\n\(script.text)")
        // n1, Primary, resyncs n0 (invalidated; its disk completes nothing from here on, so the
        // resync never ends and the flag stays) and loses n2; its write starts G1 with n2 absent,
        // which n0, Inconsistent, notes as moving past G0. n1 crashes.
        for line in ["admin n1 primary", "stabilize", "admin n0 invalidate", "partition n1 n2", "stabilize hold=n0",
                     "write n1 off=4096 len=4096 pattern=2", "stabilize hold=n0", "crash n1", "stabilize hold=n0"] {
            script.run(line)
        }
        #expect(script.runner.cluster?.nodes[0].instance?.supersededGenerations.isEmpty == false, "n0 noted G0:\n\(script.text)")
        // n2, at G0, asks n0 (n1 is down): n0 knows a writer moved past G0.
        let output = script.run("admin n2 primary") + script.run("stabilize hold=n0")
        #expect(!output.contains { $0.hasPrefix("n2: resource role:Primary") }, "n2 promoted at G0:\n\(script.text)")
        #expect(output.contains { $0.hasPrefix("n2: admin refused") }, "\(output.joined(separator: "\n"))\n\(script.text)")
    }
}
