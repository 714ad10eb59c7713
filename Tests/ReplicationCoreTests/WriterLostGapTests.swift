import Testing
@testable import ReplicationCore

/// Seed 463's gap (traced in session 10): a replica whose link to the writer dropped and came
/// back took the writer's last sequence from the new handshake as received
/// (`PeerState.lastSequenceReceived`), so after the writer's crash its writer-lost tail equalled
/// a survivor's that held writes it missed, and nothing was reconciled. Equal tails are decided
/// by `WriterLost.streamStart` now: the survivor whose stream began earlier is the source (both
/// ends alike: WriterLostAgreementTests).
@Suite("Replication core: a gap in a writer's stream")
struct WriterLostGapTests {
    @Test("a replica that reconnected to the writer mid-stream does not pass for holding what it missed")
    func reconnectedReplicaHasAGap() {
        let script = DisklessWriterLostCopyTests.Script()
        script.run("cluster nodes=3 size=64K diskless=n2 al-extents=1")
        script.run("connect-all")
        script.run("stabilize")
        script.run("admin n0 primary force")
        script.run("stabilize")
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("admin n2 primary")
        script.run("stabilize")
        script.run("write n2 off=0 pattern=1")
        script.run("stabilize")
        // Write 2 reaches n0 only: the writer's link to n1 drops before n1 gets it, and what the
        // writer then sends n0 (n1 lacks block 0, a new generation) stays on its link.
        script.run("write n2 off=0 pattern=2")
        script.run("stabilize hold-link=n2-n1,n2-n0")
        script.run("deliver n2 n0")
        script.run("partition n2 n1")
        script.run("stabilize hold-link=n2-n0")
        // n1 comes back to the writer, whose handshake names write 2 as its last.
        script.run("heal")
        script.run("stabilize hold-link=n2-n0")
        script.run("crash n2")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        #expect(script.run("data n0 off=0") == ["n0 off=0: pattern=2"], "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
    }
}
