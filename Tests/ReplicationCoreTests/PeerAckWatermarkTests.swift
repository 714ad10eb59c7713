import Testing
@testable import ReplicationCore

/// The peer-ack watermark (`ReplicatedWrite.peerAckedBelow`): a Secondary keeps a write of the
/// writer in doubt until a later write says that every write below it is done on every node it
/// went to. The writes in doubt when the writer is lost are the ones the survivors reconcile
/// (DisklessWriterLostCopyTests, simulation seed 696); these check which writes those are.
@Suite("Replication core: peer-ack watermark")
struct PeerAckWatermarkTests {
    /// The sequences node `n` holds in doubt from writer n0.
    static func inDoubt(_ runner: ScenarioRunner, _ n: Int) -> [UInt64] {
        runner.cluster?.nodes[n].instance?.peers.first { $0.id == NodeID(0) }?.unackedPeerWrites.map(\.sequence) ?? []
    }

    static func primaryN0(_ options: String = "") -> ScenarioRunner {
        let runner = ScenarioRunner()
        run(runner, "cluster nodes=3 size=64K \(options)", "connect-all", "stabilize", "admin n0 primary force", "stabilize")
        return runner
    }

    /// Runs the scenario lines in order; the output of the last one.
    @discardableResult
    static func run(_ runner: ScenarioRunner, _ lines: String...) -> [String] {
        lines.reduce([]) { _, line in runner.run(line) }
    }

    @Test("a write done everywhere leaves doubt with the writer's next write, one in flight stays")
    func doneWritesLeave() {
        let runner = Self.primaryN0()
        Self.run(runner, "write n0 off=0", "stabilize")
        // Nothing after it has said it is done yet.
        #expect(Self.inDoubt(runner, 1) == [1])
        Self.run(runner, "write n0 off=16384", "stabilize")
        #expect(Self.inDoubt(runner, 1) == [2])
        // Write 3 says write 2 is done. n2's disk holds write 3: not done everywhere, so it stays
        // in doubt on n1 behind write 4.
        Self.run(runner, "write n0 off=32768", "stabilize hold=n2", "write n0 off=49152", "stabilize hold=n2")
        #expect(Self.inDoubt(runner, 1) == [3, 4])
        Self.run(runner, "stabilize", "write n0 off=0 pattern=7", "stabilize")
        #expect(Self.inDoubt(runner, 1) == [5])
        #expect(Self.inDoubt(runner, 2) == [5])
    }

    @Test("a protocol A write a peer has not confirmed stays in doubt though the client has its answer")
    func unconfirmedProtocolA() {
        let runner = Self.primaryN0("protocol=A")
        // n2's acknowledgements to n0 wait on the link: the client is answered (protocol A).
        let first = Self.run(runner, "write n0 off=0", "stabilize hold-link=n2-n0")
        #expect(first.contains("n0: client c1 done"), "\(first)")
        Self.run(runner, "write n0 off=16384", "stabilize hold-link=n2-n0")
        #expect(Self.inDoubt(runner, 1) == [1, 2])
        Self.run(runner, "stabilize", "write n0 off=32768", "stabilize")
        #expect(Self.inDoubt(runner, 1) == [3])
    }

    @Test("a write failed before a peer answered keeps the watermark below it until that peer does")
    func failedEarlyWaitsForItsPeers() {
        let runner = Self.primaryN0()
        // n1's disk holds write 1: its acknowledgement does not come.
        Self.run(runner, "write n0 off=0", "stabilize hold=n1")
        #expect(runner.cluster!.nodes[0].instance!.peerAckedBelow() == 1)
        // Forced to yield (a Primary with quorum elsewhere): every held request fails at once,
        // write 1 with n1 still to answer. n1 may yet write it: not done everywhere.
        runner.cluster!.nodes[0].instance!.forceSecondary(because: "a test")
        #expect(runner.cluster!.nodes[0].instance!.peerAckedBelow() == 1)
        Self.run(runner, "stabilize")
        #expect(runner.cluster?.nodes[0].instance?.writesAwaitingPeers.isEmpty == true)
        #expect(runner.cluster!.nodes[0].instance!.peerAckedBelow() == 2)
    }

    @Test("a write failed early that its peer then fails is recorded as missing there, here and on the other holder")
    func failedEarlyThenFailedByItsPeer() {
        let runner = Self.primaryN0()
        Self.run(runner, "fail-writes n1 1", "write n0 off=0 pattern=5", "stabilize hold=n1")
        runner.cluster!.nodes[0].instance!.forceSecondary(because: "a test")
        // n1's disk fails the write: it detaches, and its state report reaches n0 before its
        // failed ack. The request is gone from n0 (failed to the client above); its record in
        // `writesAwaitingPeers` is all that says n1 lacks block 0, which n0 and n2 hold.
        Self.run(runner, "stabilize")
        let state = Self.run(runner, "state")
        #expect(Self.run(runner, "data n0 off=0") == ["n0 off=0: pattern=5"])
        #expect(Self.run(runner, "data n2 off=0") == ["n2 off=0: pattern=5"])
        let towardN1 = state.filter { $0.hasPrefix("  n1 ") }
        #expect(towardN1 == ["  n1 role:Secondary replication:Established peer-disk:Diskless out-of-sync:4K",
                             "  n1 role:Secondary replication:Established peer-disk:Diskless out-of-sync:4K"],
                "n0 and n2 must both track block 0 toward n1:\n\(state.joined(separator: "\n"))")
        #expect(runner.cluster!.nodes[0].instance!.writesAwaitingPeers.isEmpty)
    }
}
