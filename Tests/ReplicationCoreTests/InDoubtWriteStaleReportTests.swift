import Testing
@testable import ReplicationCore

/// Seed 2038 (a DIFFER, protocol C; found on seq2r's branch after the 2174 fix, whose
/// new-generation barrier moved the run's timing): a Secondary that loses the writer marks the
/// writes still in doubt here toward the peers the writer-lost exchange cannot reach
/// (`markInDoubtWritesTowardUnreachedPeers`), but only toward a peer last seen at this node's
/// generation. A peer's last report lags: in 2038 the diskless Primary n2 announced 8DE4→5BB0
/// to n0 and n1 and sent both write 5 (block 0); the n0–n1 link dropped with n0's report of
/// 5BB0 on it; n2 crashed; n1 had written write 5, n0 had dropped it from its queue (behind an
/// activity-log transaction), and n1, holding n0 at 8DE4, marked nothing. The two met at 5BB0
/// with 0 KiB out of sync (`equal-lower-node-id`) and stayed UpToDate and different at block 0.
/// Reduced: the link between the two Secondaries is down before the announcement, so neither
/// ever hears that the other took it. A peer last seen at an ancestor of this node's
/// generation is marked too (`writerLostExchangeCannotSettle`); with that off (`||
/// generations.history.contains …` removed) the replicas differ.
@Suite("Replication core: a write in doubt toward a peer whose last report predates the writer's announcement")
struct InDoubtWriteStaleReportTests {
    @Test("a survivor marks its in-doubt write toward a peer it last saw at the announcement's parent")
    func peerLastSeenAtParent() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K")
        // n0 comes back as a diskless Primary: its first write announces a new generation.
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("admin n0 detach")
        script.run("stabilize")
        script.run("admin n0 primary")
        script.run("stabilize")
        // Write 2 announces the generation to n1 and n2 and reaches both; what each then tells
        // the other (its state at the new generation) stays on their link, which drops.
        script.run("write n0 off=4096 pattern=2")
        script.run("stabilize hold-link=n1-n2,n2-n1")
        script.run("partition n1 n2")
        script.run("stabilize")
        let generations = Set((1 ... 2).compactMap { n in script.runner.cluster?.nodes[n].instance?.generations.current })
        #expect(generations.count == 1, "n1 and n2 took the same new generation:\n\(script.text)")
        // Write 3 (block 0) reaches n2's disk only; then the writer is gone.
        script.run("write n0 off=0 pattern=3")
        script.run("stabilize hold-link=n0-n1,n0-n2")
        script.run("deliver n0 n2")
        script.run("complete n2")
        script.run("crash n0")
        script.run("heal")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "\(script.text)")
    }
}
