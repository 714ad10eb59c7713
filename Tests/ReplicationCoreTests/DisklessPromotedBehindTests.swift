import Testing
@testable import ReplicationCore

/// Simulation seed 1900 (split brain under quorum; reduced in session 17, fixed in session 18). A
/// diskless node knows a generation G with acknowledged writes. Its only UpToDate peer is at G's
/// parent P. Promoted anyway, `announceGenerationFromDiskless`, which finds no UpToDate peer at its
/// own G, chained the new generation from the peer's P: the Primary exposed data that lacks G's
/// acknowledged writes, and its new generation was a sibling of G.
///
/// Here: two disks (n0, n2) and a diskless tiebreaker (n1). n0, Primary at P, loses its disk. As
/// a diskless Primary it announces G (n0 absent), and c3 is acknowledged in G with n2's copy. n0
/// crashes, and its disk comes back at P: a Primary's own failed disk keeps no failure record,
/// and a peer's newer generation is meant to make it the target. n2's disk is detached (an
/// operator's `detach`; in 1900 it failed with no Primary known, so again without a record): n2's
/// header says UpToDate at G. n2, diskless and knowing G, was promoted with n0's and n1's votes,
/// served n0's data without c3, and its first write started a child of P beside G. With its disk
/// back (a restart), n2 (G) and n0 (the sibling) stopped at a split brain.
///
/// DRBD lets a diskless node use only peers whose current UUID is the one it exposes ("Can only
/// connect to data with current UUID"). The fix (`upToDatePeerBehindDisklessGeneration`): a
/// diskless node whose UpToDate peers are behind the generation its disk held (their current is
/// in its history) and none at it is not promoted, by `adm primary` or by auto-promote, and its
/// status says why (`reason:peers-behind`). With n2's disk back, n0 is resynced from it and
/// keeps c3. Mutation: with the rule's refusal returning nil, n2 is promoted again and the split
/// brain comes back (the checks below fail).
@Suite("Replication core: a diskless node promoted on a peer behind the generation it knows")
struct DisklessPromotedBehindTests {
    @Test("a diskless node that knows a newer generation than its UpToDate peer does not expose the peer's older data")
    func promotedOnOlderPeer() {
        let script = RecordedScript()
        // n1 is a diskless tiebreaker: n2 is the one other disk.
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority diskless=n1")
        // c2's local write fails: n0 goes on diskless; c3 starts G (n0 absent) on n2, the one
        // replica that holds it.
        script.run("fail-writes n0 1")
        script.run("write n0 off=4096 len=4096 pattern=2")
        script.run("stabilize")
        script.run("write n0 off=8192 len=4096 pattern=3")
        script.run("stabilize")
        #expect(Self.result(3, script) == true, "c3 is acknowledged in G:\n\(script.text)")
        #expect(script.run("data n2 off=8192") == ["n2 off=8192: pattern=3"], "n2 holds c3:\n\(script.text)")
        // n0 crashes; n2's disk is detached (its header: UpToDate at G); n0's disk comes back at P.
        script.run("crash n0")
        script.run("stabilize")
        script.run("admin n2 detach")
        script.run("stabilize")
        script.run("restart n0")
        script.run("heal")
        script.run("stabilize")
        #expect(script.run("data n0 off=8192") == ["n0 off=8192: pattern=0"], "n0's disk is back at P, without c3:\n\(script.text)")
        // n2's status says why it is not promoted, before anyone asks.
        let status = script.runner.cluster?.nodes[2].instance?.status
        #expect(status?.device.reason == .peersBehind && status?.resource.mayPromote == false, "n2's status: \(String(describing: status)):\n\(script.text)")
        let (promotion, promoted) = script.promote(2)
        #expect(!promoted && promotion.contains { $0.hasPrefix("n2: admin refused: n2 has no disk, and its connected UpToDate peers of r0 are behind generation") },
                "n2 is not promoted on n0's data at P:\n\(script.text)")
        if promoted {
            script.run("write n2 off=12288 len=4096 pattern=4")
            script.run("stabilize")
            script.run("admin n2 secondary")
            script.run("stabilize")
        }
        // n2's disk back (a restart attaches it from its header, at G, holding c3).
        script.run("crash n2")
        script.run("restart n2")
        let met = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(!met.contains { $0.contains("split brain detected") }, "\(script.text)")
        for n in [0, 2] {
            #expect(script.run("data n\(n) off=8192") == ["n\(n) off=8192: pattern=3"], "acknowledged c3 on n\(n):\n\(script.text)")
        }
    }

    /// The client's result for request `id`: true done, false failed, nil still pending.
    static func result(_ id: UInt64, _ script: RecordedScript) -> Bool? {
        guard let result = script.runner.cluster?.completions[id] else { return nil }
        return result == .done
    }
}
