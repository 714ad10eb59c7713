import Testing
@testable import ReplicationCore

/// A Primary whose data turned Outdated while a write of its own waited: reduced from simulation
/// seed 524 (run under session 15's `holdack`, where it lost an acknowledged write).
@Suite("Replication core: an Outdated Primary's own copy of a write")
struct OutdatedPrimaryAckTests {
    final class Script: RecordedScript {
        func acknowledged(_ client: UInt64) -> Bool { runner.cluster?.completions[client] == .done }
        func disk(_ node: Int) -> DiskState? { runner.cluster?.nodes[node].instance?.diskState }
    }

    /// The steps both tests share: c2 fails on n2, Outdated, and n2 steps down; all links heal.
    static func outdatedPrimaryStepsDown() -> Script {
        let script = Script()
        script.run("cluster nodes=4 size=64K quorum=majority")
        script.run("connect-all")
        script.run("stabilize")
        script.run("admin n0 primary force")
        script.run("stabilize")
        script.run("write n0 off=0 len=4096 pattern=1")  // c1, on every replica
        script.run("stabilize")
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("admin n2 primary")
        script.run("stabilize")
        // c2 starts with quorum, in an extent not yet active: its activity-log update is still
        // in n2's storage when n2 is cut off. Written then, to no peer, it waits for quorum.
        script.run("write n2 off=32768 len=4096 pattern=2")
        script.run("isolate n2")
        script.run("stabilize")
        #expect(!script.acknowledged(2), "c2 waits for quorum:\n\(script.text)")
        script.run("heal")
        script.run("partition n1 n2")
        script.run("partition n2 n3")
        script.run("stabilize hold-link=n2-n0")  // n0's handshake reaches n2, n2's stays queued
        script.run("write n0 off=8192 len=4096 pattern=3")  // c3: n0's promotion asks n1 and n3 only
        script.run("deliver n0 n1")  // the promotion requests
        script.run("deliver n0 n3")
        // The votes reach n0; its role and new generation reach n2 but not n1 and n3.
        script.run("stabilize hold-link=n2-n0,n0-n1,n0-n3")
        #expect(script.disk(2) == .outdated, "n2 took n0's generation that names it absent:\n\(script.text)")
        script.run("heal")
        script.run("isolate n0")
        script.run("stabilize")
        #expect(!script.acknowledged(2), "n2, Outdated, acknowledged c2 held only on its own disk:\n\(script.text)")
        // Failed, and saying why. Since `issueWaitingWrite` (session 19, seed 2174) c2 no longer
        // reaches n2's disk here: its activity-log wait ends without quorum and the gates hold it
        // (suspend-io). Before, it was issued to n2's disk alone and failed later because n2
        // "became Outdated after the write reached its disk" (`localCopyOutdated`), which this
        // script no longer reaches: that rule has no reduction of its own now. Since session 20's
        // renegotiation (TwoPrimariesTests, seed 1068) n0, whose generation moved when it was
        // promoted for c3, does not plan n2's handshake (Primary without quorum, sent before
        // that) but renegotiates; n0's fresh handshake, Primary with quorum, demotes n2 and c2
        // fails with it. Before, n0 refused n2 and n2 failed c2 only once Outdated ("no UpToDate
        // replica of r0 is reachable from n2").
        let failure = script.runner.cluster?.completions[2].map { "\($0)" } ?? ""
        #expect(failure.contains("r0 on n2 lost quorum and was demoted: node 0 (n0) is Primary with quorum"),
                "c2 ended \(failure):\n\(script.text)")
        script.run("admin n2 secondary")
        script.run("heal")
        return script
    }

    /// Four replicas, quorum majority (3 of 4). n2, Primary, starts c2 with quorum; its
    /// activity-log update is still in n2's storage when n2 is cut off, so c2 lands on n2's disk
    /// alone (while UpToDate) and waits for quorum. n0's handshake reaches n2 as Secondary, n2's
    /// stays on the wire: n0, promoted for c3 with the votes of n1 and n3 only, starts a
    /// generation that names n2 absent, and n2 takes it: Outdated, still Primary (n0 refuses n2
    /// when its handshake arrives). n1 and n3 never got that generation; cut from n0, they
    /// connect to n2 (the newer one, a source paused while Outdated), and n2 has quorum again
    /// with c2's only copy on its own Outdated disk. On main before this rule c2 was
    /// acknowledged there, and the resync from n0 (the replica at the newer generation, which
    /// tracked its own writes toward n2) overwrote it. Seed 524 under session 15's `holdack`:
    /// n2's quorum came from an Inconsistent n1 that had crashed away from n0.
    @Test("an Outdated Primary does not acknowledge a write on its own copy")
    func outdatedPrimaryOwnCopy() {
        let script = Self.outdatedPrimaryStepsDown()
        script.run("admin n0 connect peer=n2")  // n0 refused n2 (StandAlone) as Primary
        script.run("tick 10")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2,n3 identical"], "\(script.text)")
        #expect(!script.acknowledged(2) || script.run("data n0 off=32768") == ["n0 off=32768: pattern=2"],
                "the acknowledged c2 is resynced away:\n\(script.text)")
    }

    /// The same without the operator's `connect` on n0, which refused n2 as a second Primary and
    /// stays StandAlone toward it (found by simrestart in session 16). n2 took n0's generation by
    /// announcement, named absent and Outdated, and the bits toward it (c3's block) are held by
    /// n0 alone. n2 is then resynced only by n1 and n3, full-sync targets of n0: before protocol
    /// 21 their bitmaps carried none of n0's bits toward n2 (`adoptGenerations` dropped the bits
    /// toward a peer they waited to resync from), and n2 came out UpToDate at n0's generation
    /// without c3: UpToDate replicas differed. Now each of n0's resync replies names the blocks
    /// n0 tracks toward n2 (`ResyncReply.outOfSyncToward`), n1 and n3 keep them and set them
    /// toward n2 after that drop, and n2 gets c3 from them (without the setting after the drop
    /// this failed, before session 20's renegotiation connected n0 and n2 again before n0 is cut
    /// off: n2 now gets c3 from n0 itself, and the marks are tested by the scenario goldens, five
    /// of which change without them). Session 17 did it DRBD's
    /// way (every block toward every peer the source tracks, branch `simrestart-s17-markall`):
    /// it passed this too but cost fixed seeds 7 and 69 and 1401…1700 four seeds (SimulationTests).
    @Test("an Outdated Primary's generation taken by announcement is not resynced by peers without its bits")
    func outdatedPrimaryWithoutOperatorConnect() {
        let script = Self.outdatedPrimaryStepsDown()
        script.run("tick 10")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2,n3 identical"], "\(script.text)")
        #expect(script.run("data n2 off=8192") == ["n2 off=8192: pattern=3"], "n2 got n0's c3:\n\(script.text)")
    }

    /// What a resync reply names toward a third node (`thirdNodesLacking`): the bits of writes
    /// that node missed, inside the source's crash extents too (before the crash or after it),
    /// but not the bits only the source's crash set, which say "maybe different": named, the
    /// target took them as its own changes and, UpToDate beside an Outdated writer at one
    /// generation, became its source over the writer's newer write (scenario
    /// protocol_a_outdated_writer_beside_crashed_peer, seed 1500). Session 19's form left out
    /// the crash's whole extents and with them blocks 65 and 70 here.
    @Test("a resync reply names a third node's missed writes, not its source's crash marks")
    func namedBlocksLeaveOutCrashMarks() {
        var bitmap = OutOfSyncBitmap(blockCount: 256, blockBytes: 4096)
        bitmap.set(65 ..< 66)  // a write the third node missed, before the crash
        bitmap.setByCrash(64 ..< 80)  // the crash's activity-log extent over it
        bitmap.set(70 ..< 71)  // a write it missed after the crash, in that extent
        bitmap.set(200 ..< 201)  // beyond the reply's range
        let words = bitmap.missedWriteWords(in: 64 ..< 192)
        #expect(words == [UInt64(1) << 1 | UInt64(1) << 6, 0])
        #expect(bitmap.missedWriteWords(in: 72 ..< 80) == nil, "crash marks only: nothing named")
        var target = OutOfSyncBitmap(blockCount: 256, blockBytes: 4096)
        target.set(words: words ?? [], from: 64, end: 192)
        #expect(target.setCount == 2 && target.isSet(65) && target.isSet(70))
    }

    /// `outdatedPrimaryWithoutOperatorConnect` with n0 and n2 kept apart, so that n2 can get c3
    /// only through the protocol-21 marks (coverage gap (b) of session 21: since session 20's
    /// renegotiation connects n0 and n2 there, only scenario goldens depended on the target's
    /// end-of-resync marking). n2 took n0's generation by announcement (Outdated) and lacks c3
    /// (block 2), which n0 alone tracks toward it. n1 and n3 are n0's full-sync targets
    /// (`my-current-in-peer-history`); n0's replies name block 2 toward n2, and each sets it
    /// toward n2 when its resync ends. Then n2 meets them at one generation
    /// (`equal-self-outdated`) and resyncs 4 KiB, c3. Without the marking
    /// (`adoptGenerations`' `sourceTracks` line off) n1 and n3 ended in sync with n2, which came
    /// out UpToDate without c3: "DIFFER: n0 vs n2", n2 block 2 pattern 0 (session 22, review; the
    /// source's words off, `thirdNodesLacking` not called, fails the same way).
    @Test("a full-sync target marks what its source tracks toward a third node, which then resyncs from it")
    func thirdNodeGetsSourceTrackedBlockFromTargets() {
        let script = Self.outdatedPrimaryStepsDown()
        script.run("partition n0 n2")
        script.run("tick 10")
        script.run("stabilize")
        #expect(script.text.contains("n2: info: connected to node 1 (n1): targetUseBitmap by rule equal-self-outdated"),
                "n2 meets n1 at n0's generation, Outdated:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2,n3 identical"], "\(script.text)")
        #expect(script.run("data n2 off=8192") == ["n2 off=8192: pattern=3"], "n2 got n0's c3 through n1 or n3:\n\(script.text)")
    }
}
