import Testing
@testable import ReplicationCore

/// A connection planned from a handshake this node sent before its current moved. Two shapes:
///
/// - Simulation seed 1807 (1701…2000, noconv; session 20's trace in SimulationTests): n2, at a
///   generation a diskless Primary started after n2's handshake to n1 went out, was made n1's
///   target by `equal-lower-node-id` at the older one; interrupted, it stayed Inconsistent at the
///   newer generation, the "newer" peer of every consistent replica, and nothing converged.
/// - The engine tier's nine-node check (Integration/engine, session 21's clean-clone CI under
///   load): epsilon, returning to eight peers after one write, was resynced by eta and UpToDate
///   at the new generation when delta's handshake arrived; epsilon planned it against the
///   handshake it had sent delta before that resync ended ("delta holds newer data") and took
///   the same 1 MiB again, then beta and alpha did the same (4096 KiB received).
///
/// The rule (`negotiate`): where this node's current moved since its handshake went out and the
/// plan from that handshake does not make it the source, it renegotiates; the fresh handshakes
/// carry what each holds now.
@Suite("Replication core: a plan from a handshake sent before this node's current moved")
struct StaleHandshakeResyncTests {
    final class Script: RecordedScript {
        /// Resyncs into node `n` started during `output`, by source.
        func resyncsInto(_ n: Int, _ output: [String]) -> [String] {
            output.filter { $0.hasPrefix("n\(n): info: resync from node") && $0.contains("started") }
        }
    }

    /// Four replicas, quorum off. n3 is away while n1 writes 16 KiB in a new generation. n3
    /// connects again; n2's messages toward n3 (its handshake among them) stay on the link while
    /// n3 is resynced from another peer, so n2 plans n3's handshake from before that resync
    /// (source, its bits since the old generation) and n3 meets n2's handshake only once it is
    /// UpToDate at n1's generation.
    @Test("a replica resynced by one peer takes no second resync from a peer that planned its older handshake")
    func returningReplicaResyncedOnce() {
        let script = Script()
        script.primaryWroteBlockZero("cluster nodes=4 size=64K")
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("admin n3 disconnect")
        script.run("stabilize")
        script.run("admin n1 primary")
        script.run("stabilize")
        script.run("write n1 off=16384 len=16384 pattern=2")
        script.run("stabilize")
        script.run("admin n1 secondary")
        script.run("stabilize")
        script.run("admin n3 connect")
        let first = script.run("stabilize hold-link=n2-n3")
        #expect(script.resyncsInto(3, first).count == 1, "n3 is resynced by one of n0, n1:\n\(script.text)")
        #expect(first.contains { $0.hasPrefix("n3: info: resync from node") && $0.contains("finished; UpToDate") },
                "n3 is UpToDate before n2's handshake reaches it:\n\(script.text)")
        let second = script.run("stabilize")
        #expect(script.resyncsInto(3, second).isEmpty, "n3, UpToDate at n1's generation, takes the same blocks again:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2,n3 identical"], "\(script.text)")
        #expect(script.run("data n3 off=16384") == ["n3 off=16384: pattern=2"], "n3 holds n1's write:\n\(script.text)")
    }
}
