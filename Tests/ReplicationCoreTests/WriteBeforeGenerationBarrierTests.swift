import Testing
@testable import ReplicationCore

/// Simulation seed 4448 (an acknowledged write lost, 3 nodes, protocol C; new ground of session
/// 23, traced by review on b83e042's release bundle, SIM_WATCH_BLOCK=5). n0, Primary at BA93,
/// had c21 (a trim of blocks 5–6) waiting for the activity-log header that adds its extent. n2
/// crashed (step ~484), and n0's next write started CA76 (n2 absent), whose header every write
/// of CA76 waits for (`writeBarrierVersion`). The activity-log header, still at BA93, landed
/// first (step 502, "metadata durable: current=BA93 … activity-log=[1, 2]") and released c21:
/// `issueWaitingWrite` asks `startGenerationIfNeeded`, which returns no barrier once the
/// generation is already started, and never looks at `writeBarrierVersion`. c21 went out in CA76
/// before CA76 was durable anywhere, n1 (an Inconsistent resync target) acknowledged it, and n0
/// acknowledged c21. n0 crashed before CA76's header landed and came back at BA93 with c21 on its
/// disk, a crashed Primary beside n2, back at BA93 without c21: `equal-crashed-primary` made n2
/// the source (protocol C: whatever only the crashed Primary wrote was never acknowledged), and
/// n1 was later resynced in full from n2. Block 5 held write 14 everywhere.
///
/// Fixed: a write released from any metadata wait goes out only once the current generation's
/// barrier is durable too (`issueWaitingWrite` waits for `writeBarrierVersion`, as `startWrite`
/// does). Mutation: without it c2 is acknowledged before G1's header is durable and lost after
/// the crash (3 issues).
@Suite("Replication core: a write released from its metadata wait before its generation is durable")
struct WriteBeforeGenerationBarrierTests {
    @Test("a write waiting for its activity-log header goes out only once the new generation is durable")
    func waitingWriteWaitsForGenerationBarrier() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority")
        // c2 opens extent 1: it waits for the activity-log header holding it (still at G0).
        script.run("write n0 off=16384 pattern=2")
        // n2 is lost; c3's start begins G1, whose header c3 waits for.
        for line in ["crash n2", "write n0 off=20480 pattern=3"] { script.run(line) }
        guard let cluster = script.runner.cluster else { return }
        let g0 = cluster.nodes[1].instance?.generations.current
        // n0's disk completes the activity-log header (G0) alone.
        cluster.completeStorage(0, index: 0)
        cluster.stabilize(holdingStorage: [0])
        // Issued, c2 is on its way to n1: n0's own write of it completes, G1's header does not.
        if let c2 = cluster.nodes[0].pending.firstIndex(where: {
            if case .write(_, let offset, _, _) = $0 { return offset == 16384 }
            return false
        }) {
            cluster.completeStorage(0, index: c2)
            cluster.stabilize(holdingStorage: [0])
        }
        #expect(script.result(2) != true, "c2 is not acknowledged before G1, its generation, is durable on n0:\n\(script.text)")
        // n0 crashes before G1's header lands; n1 too. n0 and n2 come back.
        for line in ["crash n0", "crash n1", "restart n0", "restart n2", "stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(cluster.nodes[0].instance?.generations.current == g0, "n0 is back at G0:\n\(script.text)")
        if script.result(2) == true {
            #expect(script.run("data n0 off=16384") == ["n0 off=16384: pattern=2"], "acknowledged c2 kept on n0:\n\(script.text)")
            #expect(script.run("data n2 off=16384") == ["n2 off=16384: pattern=2"], "acknowledged c2 reached n2:\n\(script.text)")
        }
    }
}
