import Testing
@testable import ReplicationCore

/// Two Primaries joined through a third node, reduced from simulation seeds 56 and 790. In DRBD 9
/// promoting and connecting are cluster-wide two-phase commits: a promotion asks every connected
/// node and commits only if all say yes, no connection is established while one runs, and a
/// connection that would join two Primaries is refused (SS_TWO_PRIMARIES). Here a promotion asks
/// the peers connected when it starts, and a connection is made by each side on the other's
/// handshake alone, so a third node can be in the majorities of two Primaries at once.
///
/// 56 is closed by a third node refusing a second Primary (`secondPrimaryRefusal`). 790 was open
/// (a known issue until session 22): the promotion would have to ask the peers that connected
/// while it waited (branch `simrestart-two-primaries-wip`, `unasked`), which makes it pass but
/// moved the simulation's runs into other open bugs (SimulationTests, the session 12 note). Session 17:
/// with `holdack` on main, what is left of 790's reduction is a stale handshake (n2 planned its
/// connection to n1 from a handshake sent before it took n0's newer generation, and came out
/// UpToDate at the older one); reconnecting on such a handshake (`restale`, `restale-plan`)
/// passes all three known issues here, measured and not landed (SimulationTests' session 17
/// note). Session 20 landed it restricted to a handshake from a Primary without quorum (1068's
/// two checks); session 22 renegotiates wherever this node's current moved and the plan from its
/// stale handshake does not make it the source (`negotiate`), which closes 790's check (n2's plan
/// from its stale handshake made it n1's target). Mutation: without it, 790's check fails again
/// (two Primaries acknowledged writes, split brain).
@Suite("Replication core: two Primaries joined through a third node")
struct TwoPrimariesTests {
    final class Script: RecordedScript {
        func acknowledged(_ client: UInt64) -> Bool { runner.cluster?.completions[client] == .done }

        /// What node `node`'s status says on its connection toward `peer`.
        func connectionMessage(_ node: Int, toward peer: UInt8) -> String? {
            runner.cluster?.nodes[node].instance?.status.connections.first { $0.peer == NodeID(peer) }?.message
        }

        /// Three replicas, quorum majority, all UpToDate, n0 Primary.
        func cluster(protocolA: Bool = false) {
            run("cluster nodes=3 size=64K quorum=majority" + (protocolA ? " protocol=A" : ""))
            run("connect-all")
            run("stabilize")
            run("admin n0 primary force")
            run("stabilize")
        }

        /// Protocol A, n0 Primary cut off holding its write c1 without quorum; `promoting` (on
        /// n1) asks n2, whose yes stays on the wire; then everything heals but n0-n1.
        func heldPrimaryWhileVoterAnswers(promoting: String) {
            cluster(protocolA: true)
            run("isolate n0")
            run("write n0 off=0 len=4096 pattern=1")  // c1, held: no quorum
            run("stabilize")
            run(promoting)  // n1 asks n2
            run("stabilize hold-link=n2-n1")  // n2's yes stays on the wire
            run("heal")
            run("partition n0 n1")
        }
    }

    /// Seed 56: n0, Primary cut off from both peers, holds its write without quorum. n1's write
    /// asks n2 for the promotion and n2 votes yes (its answer still on the wire). Then n0 and n2
    /// connect, n2's handshake reaching n0 first, so n0 counts n2 and sends it its write. Before
    /// the refusal n2 took n0's handshake and n1 became Primary with n2's vote: both acknowledged
    /// their write, each a child of the same generation (a split brain when they met). Now n2,
    /// connected to Primary n0, drops n1 at its state report: n1 has no quorum and acknowledges
    /// nothing, and after healing it yields to n0 and is resynced.
    @Test("a node connected to a Primary refuses a second one")
    func primaryJoinedThroughVoter() {
        let script = Script()
        script.cluster()
        script.run("isolate n0")
        script.run("write n0 off=0 len=4096 pattern=1")  // c1, held: no quorum
        script.run("stabilize")
        script.run("write n1 off=4096 len=4096 pattern=2")  // c2: n1 asks n2
        script.run("stabilize hold-link=n2-n1")
        script.run("heal")
        script.run("partition n0 n1")
        script.run("stabilize hold-link=n2-n1,n0-n2")
        let joined = script.run("stabilize")
        #expect(joined.contains { $0.hasPrefix("n2: warning: not connecting: node 1 (n1) is Primary") }, "\(script.text)")
        // The operator sees it on n2's status too, with the way out (the log alone scrolls away).
        let message = script.connectionMessage(2, toward: 1) ?? ""
        #expect(message.contains("node 0 (n0), connected here, is Primary") && message.contains("'tandem adm secondary r0' on n1 or on n0"),
                "n2's connection toward n1 says why it is not up: \(message)")
        #expect(script.connectionMessage(2, toward: 0) == nil, "n2's connection toward n0 is up and says nothing")
        #expect(!(script.acknowledged(1) && script.acknowledged(2)), "two Primaries acknowledged writes:\n\(script.text)")
        #expect(script.acknowledged(1) || script.acknowledged(2), "one Primary acknowledges its write:\n\(script.text)")
        script.run("heal")
        script.run("tick 10")  // connectRetryTicks: n2 connects to n1 again
        let end = script.run("stabilize")
        #expect(!end.contains { $0.contains("split brain detected") }, "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        #expect(script.connectionMessage(2, toward: 1) == nil, "connected again, n2's status drops the refusal")
    }

    /// Seed 790: all Secondary, n1-n2 cut. n1's write asks n0, its only peer; n0's yes is held on
    /// the wire while n1-n2 comes up: n2's handshake reaches n1, n1's (Secondary) is held. n1 is
    /// promoted counting n2, which was never asked; n0 loses n1 and n2, knowing n1 only as
    /// Secondary, votes n0 in. Both acknowledge a write with n2 in their majorities.
    @Test("a promotion does not count a peer that connected while it waited without asking it")
    func peerConnectedDuringPromotion() {
        let script = Script()
        script.cluster()
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("partition n1 n2")
        script.run("write n1 off=4096 len=4096 pattern=1")  // c1: n1 asks n0
        script.run("stabilize hold-link=n0-n1")
        script.run("heal")
        script.run("stabilize hold-link=n0-n1,n1-n2")
        script.run("stabilize hold-link=n1-n2")
        script.run("partition n0 n1")
        script.run("write n0 off=8192 len=4096 pattern=2")  // c2: n0 asks n2
        script.run("stabilize hold-link=n1-n2")
        script.run("stabilize")
        script.run("heal")
        let end = script.run("stabilize")
        #expect(!(script.acknowledged(1) && script.acknowledged(2)), "two Primaries acknowledged writes:\n\(script.text)")
        #expect(!end.contains { $0.contains("split brain detected") }, "\(script.text)")
        #expect(script.acknowledged(2), "n0, promoted with n2's vote, acknowledges its write:\n\(script.text)")
    }

    /// Seed 1068 (801…1100, split brain), where the refusal above fires too late or not at all:
    /// n0, Primary without quorum, regains it on n2's handshake alone, before n2 has taken n0's
    /// handshake; n2 meanwhile voted n1 in. n0 acknowledges its held write in that window
    /// (protocol A here; in 1068 the write needed no peer: n2 was Inconsistent and waiting for its
    /// bitmap) and n1 its own: two children of one generation, a split brain at the reunion. In
    /// 1068 n2 took n1's "state Primary" first and refused n0 after the fact; here n1, promoted
    /// for one write, is Secondary again when n0's handshake reaches n2, so nothing is refused
    /// and n2 even resyncs from n0 (its acknowledged copy of c2 goes): its handshake, sent before
    /// it took n1's new generation, and n0's planned it as n0's target (`equal-peer-primary`).
    /// DRBD's connect is a two-phase commit: n0 would count n2 only once n2 committed the
    /// connection, and neither side plans from generations that moved meanwhile. Measured in
    /// session 13 (SimulationTests' note, branch `simrestart-s13-exp`): counting a peer for a
    /// Primary without quorum only once it answered a ping behind its handshake (`probenq`)
    /// alone still fails here (n1 is Secondary again when n2 takes n0); with a reconnect when
    /// this node's generation moved since its handshake went out (`restale`) it passes, and
    /// seed 790's reduction too, but both cost new split brains in the simulation's ranges.
    /// Session 20 (review's design, simrestart): `restale` restricted to a handshake from a
    /// Primary without quorum. n2, whose generation moved (it took n1's) since its handshake
    /// went out, does not plan n0's handshake but renegotiates: n0 never gets n2's bitmap or
    /// role answer at the old generation and holds c1 (holdack); the fresh handshakes meet with
    /// n0's unacknowledged generation yielding. Without the renegotiation this fails 2 ways.
    @Test("a Primary without quorum does not regain it through a peer that has not taken it")
    func quorumRegainedThroughVoterOfAnother() {
        let script = Script()
        script.heldPrimaryWhileVoterAnswers(promoting: "write n1 off=4096 len=4096 pattern=2")  // c2
        // n0-n2 come up: n2's handshake reaches n0, n0's stays queued; n2's yes reaches n1.
        script.run("stabilize hold-link=n0-n2")
        script.run("stabilize")
        #expect(script.acknowledged(2), "n1, promoted with n2's vote, acknowledges its write:\n\(script.text)")
        #expect(!script.acknowledged(1), "n0 acknowledged a write beside Primary n1:\n\(script.text)")
        script.run("heal")
        script.run("tick 10")
        let end = script.run("stabilize")
        #expect(!end.contains { $0.contains("split brain detected") }, "\(script.text)")
    }

    /// Seed 1068 as it ran: n0, Primary without quorum, regains it on n2's handshake alone while
    /// n2, which voted n1 in, takes n1's role before n0's handshake and then refuses n0 (a second
    /// Primary) — too late: n0 acknowledged its held write with n2 counted (protocol A here; in
    /// 1068 the write needed no peer), and after the reunion n0 yields to n1 and the write is
    /// gone. DRBD commits a connection cluster-wide before either side counts it. Measured in
    /// session 14 (SimulationTests' note, branch `simrestart-s14-main-exp`, SIMRESTART_EXP=narrowq):
    /// n0 counting a peer that connected while it had no quorum only once that peer answered a
    /// ping sent behind n0's handshake passes this test and seeds 790 and 1068, not landed (27 /
    /// 20 / 26 against 19 / 15 / 29, split brain 781 new, resync-lane fixed seeds 17 and 379
    /// acknowledge nothing). Session 15 (branch `simrestart-s15-exp`): confirmed by the peer's
    /// bitmap instead of a ping (`reportq`), or with quorum counted as now and only the ack held
    /// (`holdack`), it passes too. Session 16: `holdack` landed (`ackWaitsForRoleConfirmation`).
    @Test("a Primary without quorum counts a reconnected peer only once it took its role")
    func quorumRegainedOnlyThroughPeerThatTookRole() {
        let script = Script()
        script.heldPrimaryWhileVoterAnswers(promoting: "admin n1 primary")  // n1 stays Primary
        // n0-n2 come up: n2's handshake reaches n0, n0's stays queued; n1 becomes Primary.
        script.run("stabilize hold-link=n0-n2")
        let refused = script.run("stabilize")
        #expect(refused.contains { $0.hasPrefix("n2: warning: not connecting: node 0 (n0) is Primary") }, "\(script.text)")
        #expect(!script.acknowledged(1), "n0 acknowledged a write beside Primary n1:\n\(script.text)")
        script.run("write n1 off=4096 len=4096 pattern=2")  // c2
        script.run("stabilize")
        #expect(script.acknowledged(2), "n1, Primary with n2, acknowledges its write:\n\(script.text)")
        script.run("heal")
        script.run("tick 10")
        let end = script.run("stabilize")
        #expect(!end.contains { $0.contains("split brain detected") }, "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        #expect(!script.acknowledged(1) || script.run("data n1 off=0") == ["n1 off=0: pattern=1"], "\(script.text)")
    }

    /// Seed 790's promotion with both Primaries staying Primary (protocol A): n1 is promoted with
    /// n0's vote while n2 connects to it unasked (n2's handshake reaches n1, n1's is held). n1
    /// loses n0; n2, still knowing n1 only as Secondary, votes n0 in. Counting n2, n1 keeps its
    /// quorum and acknowledges a write beside Primary n0; n2 then refuses n1 (connected to
    /// Primary n0). Counting a peer that connected while the promotion waited only once it
    /// answered a ping behind n1's role (`narrowp` on branch `simrestart-s14-main-exp`) passes
    /// this test, but alone not seed 790 (whose acknowledged writes went out before n0 was lost).
    /// Session 15: holding only the acknowledgement until such a peer answered (`holdack` on
    /// `simrestart-s15-exp`) passes it too; landed in session 16 (`ackWaitsForRoleConfirmation`).
    @Test("a promotion counts a peer that connected while it waited only once the peer took its role")
    func unaskedPeerCountsOnlyOnceItTookRole() {
        let script = Script()
        script.cluster(protocolA: true)
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("partition n1 n2")
        script.run("admin n1 primary")  // n1 asks n0, its only peer
        script.run("stabilize hold-link=n0-n1")  // n0's yes stays on the wire
        script.run("heal")
        script.run("stabilize hold-link=n0-n1,n1-n2")  // n2's handshake reaches n1, n1's is held
        script.run("stabilize hold-link=n1-n2")  // n1 Primary; its role stays on the wire to n2
        script.run("partition n0 n1")
        script.run("admin n0 primary")  // n0 asks n2
        script.run("stabilize hold-link=n1-n2")
        script.run("write n1 off=4096 len=4096 pattern=1")  // c1
        script.run("write n0 off=8192 len=4096 pattern=2")  // c2
        script.run("stabilize hold-link=n1-n2")
        let refused = script.run("stabilize")
        #expect(refused.contains { $0.hasPrefix("n2: warning: not connecting: node 1 (n1) is Primary") }, "\(script.text)")
        #expect(script.acknowledged(2), "n0, promoted with n2's vote, acknowledges its write:\n\(script.text)")
        #expect(!script.acknowledged(1), "n1 acknowledged a write beside Primary n0:\n\(script.text)")
    }
}
