import Testing
@testable import ReplicationCore

/// The two paths of eba5e47's rule (a diskful node not at a diskless Primary's generation joins it
/// Outdated) that scenario diskless_primary_joins_outdated does not reach; each test fails with its
/// path switched off. The shared start: n3, a diskless client, is promoted while `cutOff` nodes are
/// cut off and overwrites block 0 (pattern 1 → 2) on the others, which start a generation with the
/// cut-off ones absent; those stay UpToDate at the old one.
@Suite("Replication core: a diskful node joins a diskless Primary at another generation Outdated")
struct DisklessPrimaryJoinTests {
    static func start(cutOff: [String]) -> RecordedScript {
        let script = RecordedScript()
        let lines = ["cluster nodes=4 size=64K diskless=n3", "connect-all", "stabilize", "admin n0 primary force", "stabilize",
                     "write n0 off=0 pattern=1", "stabilize", "admin n0 secondary", "stabilize"]
            + cutOff.map { "isolate \($0)" }
            + ["stabilize", "admin n3 primary", "stabilize", "write n3 off=0 pattern=2", "stabilize"]
        for line in lines {
            script.run(line)
        }
        return script
    }

    /// `diskRecorded`: n1's state report, UpToDate at its old generation, left n1 after its handshake
    /// and before n3's handshake reached it (any broadcast does it: quorum regained, a failed
    /// promotion; the test delivers that report itself, being the next message on n1's stream). It
    /// arrives after n3 took n1 Outdated from the handshake; taken as it says (path switched off),
    /// n3 records n1 UpToDate until n1's own Outdate arrives. A read in between is still served
    /// right: it goes to n1 (the lowest node id first) behind n3's handshake on the same stream, n1
    /// refuses it Outdated and n3 asks n2 — so the read check below holds either way, and the
    /// record is what fails without the path.
    @Test("a peer's state report sent before it got the diskless Primary's handshake does not make it UpToDate")
    func staleReportAfterTheHandshake() throws {
        let script = Self.start(cutOff: ["n1"])
        // n3 reaches n1 and n2; n1 reaches only n3; n0 reaches nobody.
        for line in ["heal", "partition n0 n1", "partition n0 n2", "partition n0 n3", "partition n1 n2", "connect-wanted"] {
            script.run(line)
        }
        let joined = script.run("deliver n1 n3")
        #expect(joined.contains { $0.hasPrefix("n3: info: node 1 (n1) holds generation ") && $0.hasSuffix("it joins Outdated (no reads from it, no write acknowledged with it alone)") },
                "\(script.text)")
        let cluster = try #require(script.runner.cluster)
        let old = try #require(cluster.nodes[1].instance).currentGenerations.current
        cluster.trace = []
        cluster.step(3, .message(.stateChange(PeerStateReport(role: .secondary, disk: .upToDate, current: old, hasQuorum: true)), from: NodeID(1)))
        script.trace.append("(n1's report, sent before n3's handshake reached it, delivered to n3)")
        script.trace += cluster.trace
        let view = script.run("state")
        #expect(WriterLostAgreementTests.peerLines(of: "n3", in: view).contains { $0.hasPrefix("  n1 role:Secondary replication:Established peer-disk:Outdated ") },
                "n3 took n1's stale report as it said:\n\(script.text)")
        script.run("read n3 off=0")
        let read = script.run("stabilize")
        #expect(read.contains("n3: client c3 data 4096 B first=2"), "n3 did not read its own acknowledged write:\n\(script.text)")
    }

    /// `finishBitmapExchange`'s way back to UpToDate (an Outdated node meets an UpToDate peer at its
    /// generation with nothing out of sync) is held while a connected Primary writes another
    /// generation. n1 joined n3 Outdated; n2, at n1's old generation and never connected to n3,
    /// then connects to n1. Without the hold n1 became UpToDate at the old generation beside the
    /// Primary and could be promoted over n3's acknowledged write (seed 1067: a split brain).
    @Test("an Outdated node beside a diskless Primary at another generation stays Outdated when it meets a peer at its own")
    func noWayBackBesideThePrimary() {
        let script = Self.start(cutOff: ["n1", "n2"])
        for line in ["heal", "partition n0 n1", "partition n0 n2", "partition n2 n3", "partition n1 n2"] {
            script.run(line)
        }
        let joined = script.run("stabilize")
        #expect(joined.contains { $0.hasPrefix("n1: warning: node 3 (n3) is a diskless Primary for r0 exposing generation ") }, "\(script.text)")
        // n2, cut off before n3's write too, is UpToDate at n1's generation.
        for line in ["heal", "partition n0 n1", "partition n0 n2", "partition n2 n3"] {
            script.run(line)
        }
        let met = script.run("stabilize")
        #expect(met.contains { $0.hasPrefix("n1: info: connected to node 2 (n2): targetUseBitmap by rule equal-self-outdated") }, "the path was not reached:\n\(script.text)")
        let state = script.run("state")
        #expect(state.contains { $0.hasPrefix("n1: role:Secondary disk:Outdated ") }, "n1 came back UpToDate beside the Primary:\n\(script.text)")
        script.run("admin n3 secondary")
        script.run("stabilize")
        let promotion = script.run("admin n1 primary") + script.run("stabilize")
        #expect(promotion.contains { $0.hasPrefix("n1: admin refused: the local disk of r0 is Outdated") }, "\(script.text)")
        #expect(!promotion.contains("n1: resource role:Primary may_promote:no"), "n1 was promoted over n3's write:\n\(script.text)")
    }
}
