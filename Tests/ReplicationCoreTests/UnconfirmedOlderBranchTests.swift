import Testing
@testable import ReplicationCore

/// A node whose `generationUnconfirmed` flag speaks of its newest generation only, while its
/// branch since the generation it shares with a peer holds an older one in which it acknowledged
/// writes. Session 16's trace of seed 1068: n1's flag was about EFB2, its branch since 82BA held
/// C81C with the acknowledged c95, and `split-brain-self-unconfirmed-generation` made n1 the
/// bitmap target, resyncing c95 away (1068 passed only because a later write covered the block).
///
/// Three replicas, quorum majority, protocol A. n0 is cut off (Outdated). n1, Primary with n2,
/// starts G1 and acknowledges c2 (protocol A: on n1's disk and sent; n2's storage is slow and
/// writes nothing). n1 steps down and is promoted again: its first write starts G2 (n0 still
/// absent), whose header with the flag reaches n1's disk before n1 crashes. n2 crashes too and
/// comes back at the parent generation P (nothing of G1 or G2 reached its disk); with n0 it is a
/// majority that never heard of G1, and n0, promoted, acknowledges c4 in G3, another child of P.
/// Both branches hold acknowledged writes since P: DRBD's `drbd_uuid_compare` sees a split
/// brain and merges nothing. The flag says only that nothing in G2 was acknowledged. Landed as
/// a known issue (bcf73aa); since protocol 18 the flag makes a side yield only where its
/// unconfirmed generation is its whole branch (`unconfirmedGenerationIsWholeBranch`).
@Suite("Replication core: an unconfirmed generation above an acknowledged one")
struct UnconfirmedOlderBranchTests {
    final class Script: RecordedScript {
        func acknowledged(_ client: UInt64) -> Bool { runner.cluster?.completions[client] == .done }
    }

    /// Everything up to n1's return: n1 down with G2 unconfirmed above G1 (c2), n0 Primary at G3 (c4).
    static func twoBranches() -> Script {
        let script = Script()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority protocol=A")  // c1 in P
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("isolate n0")
        script.run("stabilize")
        script.run("admin n1 primary")
        script.run("stabilize")
        script.run("write n1 off=8192 len=4096 pattern=2")  // c2 starts G1 (n0 absent)
        script.run("stabilize hold=n2")  // n2's disk writes nothing from here on
        #expect(script.acknowledged(2), "n1 acknowledges c2 in G1:\n\(script.text)")
        script.run("admin n1 secondary")
        script.run("stabilize hold=n2")
        script.run("admin n1 primary")
        script.run("stabilize hold=n2")
        script.run("write n1 off=16384 len=4096 pattern=3")  // c3 starts G2 (n0 absent)
        script.run("stabilize hold=n1,n2")
        script.run("complete n1 1")  // G2's header, with the flag, reaches n1's disk; nothing else
        let header = script.run("metadata n1").first ?? ""
        #expect(header.contains("flags=0x23"), "n1's durable header says G2 is unconfirmed: \(header)\n\(script.text)")
        #expect(!script.acknowledged(3), "nothing was acknowledged in G2:\n\(script.text)")
        script.run("crash n1")
        script.run("crash n2")  // n2 lost G1, G2 and c2: back at P
        script.run("restart n2")
        script.run("heal")
        script.run("partition n0 n1")
        script.run("stabilize")
        script.run("admin n0 primary")  // n0 and n2, a majority at P
        script.run("stabilize")
        script.run("write n0 off=24576 len=4096 pattern=4")  // c4 starts G3, another child of P
        script.run("stabilize")
        #expect(script.acknowledged(4), "n0 acknowledges c4 in G3:\n\(script.text)")
        return script
    }

    /// n1 meets n0 first: both track changes since P toward each other (the same-parent branch;
    /// main's rule there is `split-brain-self-unconfirmed-generation`, 1068's).
    @Test("an unconfirmed generation above an acknowledged one does not yield to a same-parent peer")
    func sameParentPeer() {
        let script = Self.twoBranches()
        script.run("heal")
        script.run("partition n1 n2")
        script.run("restart n1")
        let met = script.run("stabilize")
        #expect(script.run("data n1 off=8192") == ["n1 off=8192: pattern=2"], "c2 is lost:\n\(script.text)")
        #expect(met.contains { $0.contains("split brain detected") }, "\(script.text)")
    }

    /// n1 meets n2 first: n2's bitmap toward n1 starts at P, n1 tracks nothing toward n2 (the
    /// common-history branch; main's rule there is `common-history-self-unconfirmed-generation`).
    @Test("an unconfirmed generation above an acknowledged one does not yield to a common-history peer")
    func commonHistoryPeer() {
        let script = Self.twoBranches()
        script.run("restart n1")  // n0-n1 still cut: n1 meets n2
        let met = script.run("stabilize")
        #expect(script.run("data n1 off=8192") == ["n1 off=8192: pattern=2"], "c2 is lost:\n\(script.text)")
        #expect(met.contains { $0.contains("split brain detected") }, "\(script.text)")
    }
}
