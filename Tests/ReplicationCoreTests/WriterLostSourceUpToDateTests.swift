import Testing
@testable import ReplicationCore

/// Simulation seed 3022 (2901…3200, protocol C, 3 nodes; no convergence), on the branch where a
/// lost writer's survivor with no tail answers at tail 0 (which only changed the run's path).
/// The diskless Primary n0 wrote to n1 and n2 while both were Outdated (each lost quorum when
/// the n1-n2 link dropped, before it heard n0 was Primary, and stayed Outdated beside a Primary
/// at a newer generation). n0 crashed with n1 at write 5 and n2 at write 3. Each sent its
/// writer-lost and then, with quorum back and nobody newer, returned to UpToDate and said so.
/// n2 decided on n1's tail while its record of n1 still said Outdated (nothing to resync from)
/// and let it go; n1 decided on n2's after its own return, as an UpToDate source, and started a
/// resync that n2 never ran: n1 SyncSource toward an Established n2 for good.
///
/// Fixed: the one behind keeps a writer-lost whose longer tail sat on an Outdated peer and
/// decides it again at that peer's UpToDate report (`reconcileWhenSourceUpToDate`). Mutation:
/// the call in `onStateReport` removed fails this test (n1 stays SyncSource toward an
/// Established n2, which lacks write 3).
@Suite("Replication core: a lost writer's longer tail on an Outdated peer that returns to UpToDate")
struct WriterLostSourceUpToDateTests {
    @Test("the survivor behind resyncs from the peer ahead once that peer reports UpToDate")
    func behindSurvivorWaitsForSource() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority")
        // n0 steps down, loses its disk and asks to be Primary again; n1 and n2 grant it, and
        // n0's role report, new generation and writes 2 and 3 are on the links when the n1-n2
        // link drops: both lose quorum without a Primary they know of, Outdated. n2 gets the
        // report, the generation and write 2; write 3 stays on the link to it.
        for line in ["admin n0 secondary", "stabilize", "admin n0 detach", "stabilize",
                     "admin n0 primary", "deliver n0 n1", "deliver n0 n2", "deliver n1 n0", "deliver n2 n0",
                     "write n0 off=4096 len=4096 pattern=2", "write n0 off=8192 len=4096 pattern=3",
                     "partition n1 n2", "deliver n0 n2", "deliver n0 n2", "deliver n0 n2",
                     "stabilize hold-link=n0-n2", "heal", "stabilize hold-link=n0-n2"] {
            script.run(line)
        }
        let before = script.run("state")
        #expect(before.contains("n1: role:Secondary disk:Outdated gen:5A0052B913B21D20"), "\(script.text)")
        #expect(before.contains("n2: role:Secondary disk:Outdated gen:5A0052B913B21D20"), "\(script.text)")
        // n0 crashes: n1 (tail 3) and n2 (tail 2) send their writer-losts, then return to
        // UpToDate; n2 takes n1's while n1 is still Outdated in its record.
        for line in ["crash n0", "stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
        let after = script.run("state")
        #expect(!after.contains { $0.contains("Sync") }, "no resync left hanging:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "\(script.text)")
        #expect(script.run("data n2 off=8192") == ["n2 off=8192: pattern=3"], "\(script.text)")
    }
}
