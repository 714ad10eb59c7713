import Testing
@testable import ReplicationCore

/// A resync source that was paused because its own disk was Outdated, and became UpToDate again
/// by an empty bitmap exchange with a third node (`finishBitmapExchange`, "UpToDate again").
@Suite("Replication core: a paused source made UpToDate by an empty exchange")
struct PausedSourceUpToDateAgainTests {
    final class Script: RecordedScript {
        func disk(_ node: Int) -> DiskState? { runner.cluster?.nodes[node].instance?.diskState }
        func replication(_ node: Int, toward peer: Int) -> ReplicationState? {
            guard let instance = runner.cluster?.nodes[node].instance else { return nil }
            return instance.peers.first { $0.id == NodeID(UInt8(peer)) }?.replication
        }
    }

    /// Three replicas, quorum off. n2 is away while n0 writes (a new generation that tracks n2);
    /// n1 takes it, then leaves n0 gracefully: Outdated at n0's generation, with nothing missed.
    /// n2 comes back to n1 only: n1 is its source (n1's bitmap toward n2 starts at n2's current)
    /// but not UpToDate, so both wait (PausedSyncS/PausedSyncT). n1 then meets n0 again: the
    /// same generation, nothing out of sync, UpToDate again. The connection to n2 waited for
    /// exactly that, and must plan again: left paused (the gap the "UpToDate again" branch
    /// carried since session 11), n2 stayed Outdated behind an UpToDate source for good.
    /// DRBD resumes a resync paused on a dependency when the dependency goes (`resume_next_sg`).
    @Test("the connection that waited for this node as its source resyncs once it is UpToDate again")
    func pausedSourceResumes() {
        let script = Script()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K")
        script.run("isolate n2")
        script.run("stabilize")
        script.run("write n0 off=4096 pattern=2")  // a new generation; n0 and n1 track it toward n2
        script.run("stabilize")
        script.run("admin n1 disconnect peer=n0")  // a Secondary leaving the Primary: Outdated
        script.run("stabilize")
        #expect(script.disk(1) == .outdated, "n1 left the Primary gracefully:\n\(script.text)")
        script.run("heal")
        script.run("partition n0 n2")  // n2 meets n1 only
        script.run("stabilize")
        #expect(script.replication(1, toward: 2) == .pausedSyncS,
                "n1, Outdated, is n2's source and waits:\n\(script.text)")
        script.run("admin n1 connect peer=n0")
        script.run("stabilize")
        #expect(script.disk(1) == .upToDate, "n1 met n0 with nothing out of sync:\n\(script.text)")
        script.run("tick 20")
        script.run("stabilize")
        #expect(script.disk(2) == .upToDate, "n2 resynced from n1, UpToDate again:\n\(script.text)")
        #expect(script.run("data n2 off=4096") == ["n2 off=4096: pattern=2"], "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
    }
}
