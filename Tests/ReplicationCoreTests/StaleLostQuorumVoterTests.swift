import Testing
@testable import ReplicationCore

/// Simulation seed 3010 (2901…3200, protocol C, 3 nodes; split brain under quorum), on the
/// branch where a lost writer's survivor with no tail answers at tail 0 (which only changed the
/// run's path). n2 had lost quorum as Primary and kept `primaryLostQuorum` as a Secondary; it
/// served n0's and n1's resyncs at 9F3D, and n1 was promoted there. n1 lost n0, its next write
/// started D804 (n0 absent), and n2 took it. n1 demoted; n0, UpToDate at 9F3D and cut off from
/// n1, asked n2 for its vote, and n2 granted it: with the flag set `knowsNewerGeneration` trusts
/// nothing of this node's history ("a generation this node wrote after losing quorum proves
/// nothing newer"), though its current was n1's, not its own. n0 wrote a sibling of D804 from
/// 9F3D with n2's vote: a split brain with n1 at the heal.
///
/// Fixed: a replica that takes a writer's new generation (`onNewGeneration`) clears the flag,
/// as a resync into it does. Mutation: the clear removed fails this test (n2 promoted, and the
/// heal stops at a split brain).
@Suite("Replication core: a voter that once lost quorum as Primary and then followed a writer")
struct StaleLostQuorumVoterTests {
    @Test("a replica that took a writer's generation refuses a requester at the parent")
    func followerOfWriterRefusesRequesterBehind() {
        let script = RecordedScript()
        script.lostQuorumSecondaryN0("cluster nodes=3 size=64K quorum=majority")
        #expect(lostQuorumFlag(script.run("metadata n0").first), "n0 keeps the flag:\n\(script.text)")
        // n1, Primary, loses n2; its write c2 starts a new generation (n2 absent) that n0 takes.
        for line in ["admin n1 primary", "stabilize", "partition n1 n2", "stabilize",
                     "write n1 off=4096 len=4096 pattern=2", "stabilize", "admin n1 secondary", "stabilize"] {
            script.run(line)
        }
        #expect(script.result(2) == true, "c2 is acknowledged (n1 and n0):\n\(script.text)")
        // n2, at the parent and cut off from n1, asks n0: n0 holds the newer generation.
        let (output, promoted) = script.promote(2)
        #expect(!lostQuorumFlag(script.run("metadata n0").first), "n0 took n1's generation, not its own:\n\(script.text)")
        #expect(!promoted, "n0 refuses n2, which lacks c2:\n\(output.joined(separator: "\n"))\n\(script.text)")
        script.run("write n2 off=8192 len=4096 pattern=3")
        script.run("stabilize")
        script.run("heal")
        let met = script.run("stabilize")
        #expect(!met.contains { $0.contains("split brain") }, "\(script.text)")
        script.run("tick 20")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        for n in 0 ... 2 {
            #expect(script.run("data n\(n) off=4096") == ["n\(n) off=4096: pattern=2"], "c2 on n\(n):\n\(script.text)")
        }
    }

    /// Whether a `metadata` line's flags hold `primaryLostQuorum`.
    func lostQuorumFlag(_ line: String?) -> Bool {
        guard let line, let range = line.range(of: "flags=0x") else { return false }
        let hex = line[range.upperBound...].prefix { $0.isHexDigit }
        return (UInt32(hex, radix: 16) ?? 0) & MetadataFlags.primaryLostQuorum.rawValue != 0
    }
}
