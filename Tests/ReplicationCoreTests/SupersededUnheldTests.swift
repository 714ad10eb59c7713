import Testing
@testable import ReplicationCore

/// Simulation seed 1977 (protocol C; no write acknowledged since protocol 23). The diskless Primary
/// n3 announced 0C79→C60F and sent six writes, which n1 (Inconsistent, a resync target) answered;
/// n0, the one UpToDate replica at 0C79, never took C60F (its link to n3 dropped with them in
/// flight), so no UpToDate replica held C60F and no write of it was acknowledged. n1's note that
/// 0C79 was superseded stood (a write had arrived after the announcement). n3 crashed, every
/// replica came back to 0C79, and n1 refused every one of them there, its own promotion too, for
/// good: nothing was acknowledged in the whole run.
///
/// The cast: four nodes, quorum majority, protocol C. n0 wrote block 0 everywhere at G0 and stepped
/// down; n3's disk is detached; n1 is invalidated, a resync target whose disk completes nothing.
/// n3, promoted without a disk, announces G1 to all three and writes; only n1 receives them (n3's
/// links to n0 and n2 hold both, then drop), so n1 notes G0 superseded and the note stands.
@Suite("Replication core: a superseded note that no UpToDate replica ever held")
struct SupersededUnheldTests {
    static func setUp(_ script: RecordedScript) {
        script.primaryWroteBlockZero("cluster nodes=4 size=64K quorum=majority protocol=C")
        for line in ["admin n0 secondary", "stabilize", "admin n3 detach", "stabilize",
                     "admin n1 invalidate", "stabilize hold=n1", "admin n3 primary", "stabilize hold=n1",
                     "write n3 off=4096 len=4096 pattern=2", "stabilize hold=n1 hold-link=n3-n0,n3-n2",
                     "partition n3 n0", "partition n3 n2", "stabilize hold=n1", "crash n3", "stabilize hold=n1",
                     "restart n3", "heal", "stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
    }

    @Test("the note is dropped once every replica is back at the generation, and a Primary writes there")
    func droppedWhenNoReplicaHoldsNewer() {
        let script = RecordedScript()
        Self.setUp(script)
        #expect(script.result(2) != true, "c2, on no UpToDate replica, is not acknowledged:\n\(script.text)")
        script.run("state")
        let (promotion, promoted) = script.promote(0)
        #expect(promoted, "n0, with every replica at G0, is promoted:\n\(promotion)\n\(script.text)")
        script.run("write n0 off=8192 len=4096 pattern=3")
        script.run("stabilize")
        #expect(script.result(3) == true, "n0's write is acknowledged:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2,n3 identical"], "\(script.text)")
    }

    /// The case the rule must not open: a write of G1 was acknowledged, and its holder is away.
    /// SupersededWithoutWriteTests' cast: n0 wrote c2 in G1 (n2 absent) with n1 and n3 Outdated
    /// at G0 (each noted G0 superseded and answered c2), then crashed; n2 comes back at G0
    /// without c2. n1, n2 and n3 are all at G0 and connected, but n0, a diskful replica, is not:
    /// the notes stand, n1 and n3 refuse n2, and n0's return brings c2 to every replica.
    /// Mutation: counting only the connected diskful peers drops the notes here.
    @Test("the note stands while a replica that may hold a newer generation is away")
    func standsWhileAReplicaIsAway() {
        let script = RecordedScript()
        SupersededWithoutWriteTests.setUp(script, protocol: "C", sendWrite: true)
        #expect(script.result(2) == true, "c2 is acknowledged in G1:\n\(script.text)")
        script.run("restart n2")
        script.run("heal")
        script.run("stabilize")
        script.run("tick 40")
        script.run("stabilize")
        #expect(SupersededWithoutWriteTests.refusals(script, of: 2, by: [1, 3]) == [true, true],
                "n1 and n3 still refuse n2 at G0 with n0 away:\n\(script.text)")
        #expect(!script.promote(2).promoted, "n2, without c2, is not promoted:\n\(script.text)")
        script.run("restart n0")
        script.run("stabilize")
        script.run("tick 40")
        script.run("stabilize")
        for n in 0 ..< 4 {
            #expect(script.run("data n\(n) off=4096") == ["n\(n) off=4096: pattern=2"], "n\(n) holds c2:\n\(script.text)")
        }
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2,n3 identical"], "\(script.text)")
    }
}
