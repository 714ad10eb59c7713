import Testing
@testable import ReplicationCore

/// Simulation seed 1794 (session 17; split brain under quorum; fixed session 19). A replica
/// takes the writer's new generation by announcement, but only in memory: its header with the
/// generation is not durable yet, so it cannot acknowledge the generation's writes. It crashes
/// and comes back at the parent, having forgotten the generation. With the third replica it is a
/// majority at the parent. It is promoted, and it starts another child of the parent, a sibling
/// of the writer's. No write was acknowledged in either child. Both writers lost quorum as
/// Primary, and both carry `generationUnconfirmed`. The writer has no bitmap toward the forgetful
/// replica, because that replica was connected when the generation started, so the comparison
/// takes its common-history branch. There two unconfirmed children of one parent resolve only
/// through an Inconsistent side. Both are UpToDate, so it stops at `split-brain-common-history`.
///
/// DRBD also stops there (after-sb-0pri disconnect; discard-zero-changes does not apply, since
/// both sides wrote). But nothing acknowledged is at stake, and the comparison's own comment on
/// both-unconfirmed children says "either may yield". The simulation counts any split brain
/// under quorum as a failure.
///
/// Directions: a deterministic tie-break when both children of one parent are unconfirmed and
/// neither side is Inconsistent (the same on both ends, e.g. the higher node id yields, with a
/// full sync where no bitmap covers both). Weigh it against UnconfirmedOlderBranchTests: a flag
/// about the newest generation can understate a branch. Taking a writer's generation durably
/// before reporting it does not close this: here the replica crashed before any report mattered.
/// Fixed (session 19, `GenerationComparison.compare`): two unconfirmed children of one parent,
/// neither Inconsistent, the higher node id yields (a full sync in the common-history branch,
/// the bitmap where both track since the parent). Either may: neither acknowledged a write since
/// the parent, and each flag covers the whole branch (the parent is the other side's too).
/// Mutation: without it this test stops at `split-brain-common-history` again. Seed 1862 is not
/// this: n0's branch since the common AAE5 is B4C9 (unconfirmed, lost quorum) then C75D (the flag
/// covers C75D only), beside n2's acknowledged writes; its B4C9 began as a second Primary (n2
/// promoted with n1's vote while n0, Primary, was handshaking with it: TwoPrimariesTests' class).
@Suite("Replication core: a replica that forgot a writer's generation starts a sibling of it")
struct ForgottenGenerationSiblingTests {
    @Test("two unconfirmed children of one parent, neither Inconsistent, do not stop at a split brain")
    func unconfirmedSiblings() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority on-no-quorum=io-error")
        // n0 loses n1; its next write starts G (n1 absent), announced to n2. n2 takes G in memory
        // only: its disk completes nothing, so it cannot acknowledge c2.
        script.run("partition n0 n1")
        script.run("stabilize")
        script.run("write n0 off=4096 len=4096 pattern=2")
        script.run("stabilize hold=n2")
        // n2 crashes with G not on its disk: back at the parent. n0 loses quorum, and c2 fails.
        script.run("crash n2")
        script.run("stabilize")
        #expect(Self.result(2, script) == false, "c2 is not acknowledged:\n\(script.text)")
        #expect(script.run("metadata n0").first?.contains("flags=0x27") == true, "n0: Primary, lost quorum, G unconfirmed:\n\(script.text)")
        script.run("admin n0 secondary")
        script.run("partition n0 n2")
        script.run("restart n2")
        script.run("stabilize")
        // n2 and n1, a majority at the parent: n2 is promoted, and c3 starts G', a sibling of G.
        // n1 takes G' in memory only, so c3 is not acknowledged; then n2 loses quorum.
        script.run("admin n2 primary")
        script.run("stabilize")
        script.run("write n2 off=8192 len=4096 pattern=3")
        script.run("stabilize hold=n1")
        script.run("partition n1 n2")
        script.run("stabilize hold=n1")
        #expect(Self.result(3, script) == false, "c3 is not acknowledged:\n\(script.text)")
        #expect(script.run("metadata n2").first?.contains("flags=0x27") == true, "n2: Primary, lost quorum, G' unconfirmed:\n\(script.text)")
        script.run("admin n2 secondary")
        script.run("crash n1")
        script.run("restart n1")
        script.run("heal")
        let met = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        for n in 0 ... 2 {
            #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=1"], "c1 (acknowledged) kept on n\(n):\n\(script.text)")
        }
        #expect(!met.contains { $0.contains("split brain detected") }, "\(script.text)")
        #expect(met.contains { $0.contains("n2: info: connected to node 0 (n0): targetFull by rule common-history-self-unconfirmed-generation") },
                "n2, the higher node id, yields:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
    }

    func sibling(_ node: UInt8, current: UInt64, role: Role, flags: HandshakeFlags = [.generationUnconfirmed, .primaryLostQuorum]) -> Handshake {
        Handshake(nodeID: NodeID(node), volume: 0, sizeBytes: 1 << 20, bitmapBlockBytes: 4096, role: role, disk: .upToDate,
                  generations: GenerationSet(current: Generation(current), bitmap: [], history: [Generation(0x5100)]),
                  flags: flags, outOfSyncBlocks: 0, hasQuorum: false, replicationProtocol: .c)
    }

    /// No case with a Primary: a live Primary does not send the flag (`makeHandshake`), so it is
    /// never one of two unconfirmed siblings (session 20's "not a live Primary yields" clause
    /// could not run, and is gone).
    @Test("two unconfirmed siblings: the higher node id yields, the same from both ends; an Inconsistent one first")
    func siblingTieBreak() {
        let cases: [(Handshake, Handshake, yielder: UInt8)] = [
            (sibling(0, current: 0x6100, role: .secondary), sibling(2, current: 0x7100, role: .secondary), 2),
            (sibling(0, current: 0x6100, role: .secondary, flags: [.generationUnconfirmed, .inconsistent]),
             sibling(2, current: 0x7100, role: .secondary), 0),
        ]
        for (a, b, yielder) in cases {
            for (mine, peer) in [(a, b), (b, a)] {
                let result = GenerationComparison.compare(mine: mine, peer: peer)
                #expect(result.decision == (mine.nodeID == NodeID(yielder) ? .targetFull : .sourceFull),
                        "\(mine.nodeID) against \(peer.nodeID): \(result)")
            }
        }
    }

    /// The client's result for request `id`: true done, false failed, nil still pending.
    static func result(_ id: UInt64, _ script: RecordedScript) -> Bool? {
        guard let result = script.runner.cluster?.completions[id] else { return nil }
        return result == .done
    }
}
