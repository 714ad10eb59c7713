import Testing
@testable import ReplicationCore

/// Two survivors of a lost writer must reach the same plan from their two writer-losts: the
/// reconciliation's source waits for its target, which starts only if it decided so too. The
/// faults tier's quorum heal (session 12, CI of dd57761) reduced: n2 here is that run's n3. It
/// lost the writer once before (its tail from then, 1, stays in `lastWriterSequence`) and came
/// back on a stream that began at the writer's write 3. Then n1 loses the writer first and tells
/// n2, which still has it; n2's own loss follows. Deciding n1's message at once, n2 compared its
/// old tail (1 against 4) and resynced as target, then sent its real tail (4, stream from 3); n1
/// saw equal tails and its own earlier stream start and began a resync toward n2 that n2 never
/// ran: n1 stayed SyncSource with n2 Inconsistent in its eyes, and the resource never healed.
@Suite("Replication core: survivors of a lost writer agree")
struct WriterLostAgreementTests {
    @Test("a writer-lost received while the writer is still connected is decided on the tails both ends sent")
    func peerLostTheWriterFirst() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K")
        // n2 loses the writer at its write 1 and misses writes 2 and 3.
        script.run("isolate n2")
        script.run("stabilize")
        script.run("write n0 off=4096 pattern=2")
        script.run("write n0 off=8192 pattern=3")
        script.run("stabilize")
        // n2 comes back on a stream that begins after write 3 and resyncs what it missed.
        script.run("heal")
        script.run("stabilize")
        script.run("write n0 off=12288 pattern=4")
        script.run("stabilize")
        // n1 loses the writer; its writer-lost (4, stream from 0) reaches n2, which has n0 still.
        let first = script.run("partition n0 n1") + script.run("stabilize")
        #expect(!first.contains { $0.hasPrefix("n2: info: reconciling") }, "n2 decided before it lost the writer:\n\(script.text)")
        #expect(!first.contains { $0.hasPrefix("n2: info: resync from") }, "n2 resynced before it lost the writer:\n\(script.text)")
        // n2 loses the writer too: both got write 4; n2's stream began later, so it is the target.
        let second = script.run("crash n0") + script.run("stabilize")
        #expect(second.contains("n1: info: reconciling in-flight writes of lost Primary node 0 with node 2: both got 4, this node's stream from after 0, its from after 3"), "\(script.text)")
        #expect(second.contains("n2: info: reconciling in-flight writes of lost Primary node 0 with node 1: both got 4, this node's stream from after 3, its from after 0"), "\(script.text)")
        script.run("tick 20")
        script.run("stabilize")
        let state = script.run("state")
        for n in 1 ... 2 {
            #expect(state.contains { $0.hasPrefix("n\(n): role:Secondary disk:UpToDate ") }, "\(script.text)")
        }
        #expect(state.contains("  n2 role:Secondary replication:Established peer-disk:UpToDate out-of-sync:0K"), "n1's side of n2 did not settle:\n\(script.text)")
        #expect(state.contains("  n1 role:Secondary replication:Established peer-disk:UpToDate out-of-sync:0K"), "n2's side of n1 did not settle:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "\(script.text)")
        for (offset, pattern) in [(0, 1), (4096, 2), (8192, 3), (12288, 4)] {
            #expect(script.run("data n2 off=\(offset)") == ["n2 off=\(offset): pattern=\(pattern)"], "\(script.text)")
        }
    }

    /// Review's session 13 point (1): n1 lost the writer and told n2, which still had it; n1 then
    /// got the writer back and resynced. When n2 lost the writer, it decided on n1's old message
    /// (tail 1 against its 3) and became SyncSource toward n1, while n1, still connected to the
    /// writer, kept n2's waiting: n2 stayed SyncSource toward an n1 that never resynced, through
    /// every heal (protocols 8 to 11, the kept writer-lost). Protocol 12 kept nothing and had n2's
    /// own writer-lost ask n1 for an answer; protocol 17 keeps it again, and n1, on getting the
    /// writer back, withdraws it (`withdrawWriterLostIfWriterBack`): n2 drops it and decides
    /// nothing, and n1, which has the writer, keeps n2's.
    @Test("a writer-lost whose sender got the writer back is not decided on when the receiver loses the writer")
    func senderReconnectedToTheWriter() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K")
        // n1 loses the writer after write 1 and tells n2, which still has it.
        let lost = script.run("partition n0 n1") + script.run("stabilize")
        #expect(lost.contains { $0.hasPrefix("n2: info: node 1 (n1) lost Primary node 0 at its write 1") }, "\(script.text)")
        script.run("write n0 off=4096 pattern=2")
        script.run("stabilize")
        // n1 gets the writer back (and write 2 by resync); write 3 reaches both.
        script.run("heal")
        script.run("stabilize")
        script.run("write n0 off=8192 pattern=3")
        script.run("stabilize")
        // n2 loses the writer; n1 still has it.
        let second = script.run("partition n0 n2") + script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(!second.contains { $0.hasPrefix("n2: info: reconciling") }, "n2 decided on n1's old writer-lost:\n\(script.text)")
        #expect(!second.contains { $0.hasPrefix("n1: info: reconciling") }, "n1 decided while it has the writer:\n\(script.text)")
        // Neither side runs a resync the other does not (n2 may still hold the writer's ranges
        // toward n1 for write 2, which n1 got by its own resync: the next handshake drops them).
        let state = script.run("state")
        #expect(Self.peerLines(of: "n2", in: state).contains { $0.hasPrefix("  n1 role:Secondary replication:Established peer-disk:UpToDate ") },
                "n2's side of n1 is not Established:\n\(script.text)")
        #expect(Self.peerLines(of: "n1", in: state).contains { $0.hasPrefix("  n2 role:Secondary replication:Established peer-disk:UpToDate ") },
                "n1's side of n2 is not Established:\n\(script.text)")
        _ = Self.healedWithoutResync(script, patterns: [(0, 1), (4096, 2), (8192, 3)])
    }

    /// Session 15 (review): the writer-lost that asks for an answer can be stale. n1 restarts and
    /// resyncs from n2 while its connection to the writer renegotiates: that drop is a writer
    /// loss, and n1's writer-lost reaches n2, which still has the writer and records n1 as a peer
    /// to ask (protocol 12's `writerLostsIgnored`) — n1 is back with the writer a moment later. Both then lose
    /// the writer with equal tails (4), n1's stream from after 3, so n2 is the source. n1's plain
    /// writer-lost reaches n2 first and n2 decides (SyncSource toward n1); n2's own, sent before,
    /// asks n1 for an answer, and arrives only after n1 has the writer again. Taking "asks for an
    /// answer" as "the peer did not decide on mine", n1 ignored it and n2 stayed SyncSource toward
    /// an n1 that never resynced, through every heal. n1's writer-lost went to n2, so n2 may have
    /// decided on it whatever its own asks: n1 reconnects and the handshake decides (protocol 12).
    /// Protocol 17 (branches simsafety-wl3, -v3): n2 keeps n1's first writer-lost, n1 withdraws it when
    /// the writer is back, n2 drops it; n1, back with the writer, withdraws its second one too, and
    /// n2, which already decided on it (SyncSource toward n1), renegotiates on the withdrawal.
    @Test("a survivor that has the writer back reconnects to a peer that decided on its writer-lost, even if the peer's asks for an answer")
    func peerDecidedThoughItAskedForAnAnswer() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K")
        script.run("crash n1")
        script.run("write n0 off=4096 pattern=2")
        script.run("write n0 off=8192 pattern=3")
        script.run("stabilize")
        let restart = script.run("restart n1") + script.run("stabilize")
        #expect(restart.contains("n2: info: node 1 (n1) lost Primary node 0 at its write 3; this node still has it and reconciles when it loses it too"),
                "the stale entry this test is about was not made:\n\(script.text)")
        script.run("write n0 off=12288 pattern=4")
        script.run("stabilize")
        // Both lose the writer; n2's messages to n1 wait until n1 has it again.
        script.run("partition n0 n1")
        script.run("partition n0 n2")
        let decided = script.run("stabilize hold-link=n2-n1")
        #expect(decided.contains("n2: info: reconciling in-flight writes of lost Primary node 0 with node 1: both got 4, this node's stream from after 0, its from after 3"),
                "\(script.text)")
        script.run("heal")
        script.run("partition n0 n2")
        let released = script.run("stabilize hold-link=n2-n1") + script.run("stabilize")
        #expect(released.contains("n2: info: node 1 (n1) has Primary node 0 again after this node reconciled on its writer-lost; reconnecting so that the handshake decides"),
                "\(script.text)")
        script.run("tick 20")
        script.run("stabilize")
        let healed = Self.healedWithoutResync(script, patterns: [(0, 1), (4096, 2), (8192, 3), (12288, 4)])
        #expect(Self.peerLines(of: "n2", in: healed).contains { $0.hasPrefix("  n1 role:Secondary replication:Established peer-disk:UpToDate ") },
                "n2's side of n1 did not settle:\n\(script.text)")
    }

    /// Heals every link and lets the cluster settle: no resync may outlive it, the three replicas
    /// are identical and n1 and n2 hold each block's pattern. Returns the final `state`.
    static func healedWithoutResync(_ script: RecordedScript, patterns: [(offset: Int, pattern: Int)]) -> [String] {
        script.run("heal")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        let healed = script.run("state")
        #expect(!healed.contains { $0.contains("Sync") || $0.contains("Inconsistent") }, "a resync outlived the heal:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        for (offset, pattern) in patterns {
            for n in 1 ... 2 {
                #expect(script.run("data n\(n) off=\(offset)") == ["n\(n) off=\(offset): pattern=\(pattern)"], "\(script.text)")
            }
        }
        return healed
    }

    /// The lines under `node`'s own line in a `state` output: its view of each peer.
    static func peerLines(of node: String, in state: [String]) -> [String] {
        guard let start = state.firstIndex(where: { $0.hasPrefix("\(node): ") }) else { return [] }
        return Array(state[(start + 1)...].prefix { $0.hasPrefix("  ") })
    }
}
