import Testing
@testable import ReplicationCore

/// Simulation seed 3155 (DIFFER, 4 nodes, protocol C; reached by timing on session 24's
/// simrestart-peerconf 832fd01, passes on main by timing only). n3, a resync target of n1 for
/// other blocks, received the writer n1's write of block 0 while n2 was diskless and set its bit
/// toward n2; at its resync's end `adoptGenerations` dropped its bits toward n2 (a peer that does
/// not receive writes). n2, back Inconsistent at the same generation, planned
/// `equal-self-inconsistent` with n3 and started its resync from n3 (the union of its own
/// bitmaps and n3's: no block 0) before n1's bitmap, with block 0, arrived; that connection
/// paused (one source at a time). At the end of the resync from n3, `adoptGenerations` dropped
/// the bits toward the paused n1 as "what n1 had and this node lacked, which the source just
/// brought" — but n3 never sent block 0. n2 went UpToDate without it and served it.
///
/// Reduced: n0 writes; n1 is its resync target (the end of an `invalidate` resync, two blocks
/// left) while n2 is away Inconsistent (the end of its own, two blocks left); n0 writes block 1
/// (X), which n1 receives and marks toward n2, then n1's resync ends and drops that bit. n0
/// writes block 2 (Y). n2 comes back: to n1 first (resync of its own two blocks and Y), then to
/// n0, whose bitmap (X and Y) arrives while that resync runs. The rule (`joinRunningResync`):
/// the bits of a connection paused behind a running resync join it, so the end calls this node
/// UpToDate only once the source brought them.
@Suite("Replication core: bits a paused source's exchange adds while another resync runs")
struct PausedPeerLateBitsTests {
    final class Script: RecordedScript {
        func disk(_ node: Int) -> DiskState? { runner.cluster?.nodes[node].instance?.diskState }
        /// The blocks node `node` tracks out of sync toward `peer`.
        func outOfSync(_ node: Int, toward peer: Int) -> UInt64? { self.peer(peer, seenBy: node)?.bitmap?.setCount }
        func peer(_ peer: Int, seenBy node: Int) -> PeerState? {
            runner.cluster?.nodes[node].instance?.peers.first { $0.id == NodeID(UInt8(peer)) }
        }
        func resync(_ node: Int, from peer: Int) -> ResyncProgress? { self.peer(peer, seenBy: node)?.resync }

        /// n0 Primary at G0; n2 away, Inconsistent two blocks short of the end of its resync
        /// from n0 (blocks 14 and 15); n0's write X (block 1) reached n1 while n1 resynced from
        /// n0, and n1's resync end dropped its bit toward n2; then n0 wrote Y (block 2). n0
        /// tracks X and Y toward n2, n1 only Y.
        func n1DroppedXTowardN2() {
            // One block per resync request, so that a resync can be left two blocks short.
            primaryWroteBlockZero("cluster nodes=3 size=64K resync-request=4K")
            run("admin n2 invalidate")
            run("stabilize hold-link=n0-n2")
            for _ in 0 ..< 14 { run("deliver n0 n2") }
            for line in ["stabilize hold-link=n0-n2", "isolate n2", "stabilize",
                         // n1 likewise (n0 stays connected); X reaches n1 before its resync ends.
                         "admin n1 invalidate", "stabilize hold-link=n0-n1"] {
                run(line)
            }
            for _ in 0 ..< 14 { run("deliver n0 n1") }
            for line in ["stabilize hold-link=n0-n1", "write n0 off=4096 pattern=2", "stabilize",
                         "write n0 off=8192 pattern=3", "stabilize"] {
                run(line)
            }
        }
    }

    @Test("the end of a resync does not drop, unresynced, the bits a paused peer's later bitmap added")
    func pausedPeerBitsJoinTheResync() {
        let script = Script()
        script.n1DroppedXTowardN2()
        #expect(script.outOfSync(1, toward: 2) == 1 && script.outOfSync(0, toward: 2) == 2,
                "n1's resync end dropped X toward n2 (Y only left), n0 tracks both:\n\(script.text)")
        // n2 meets n1 first: its resync from n1 starts (n2's disk holds everything meanwhile).
        script.run("heal")
        script.run("stabilize hold=n2 hold-link=n0-n2,n2-n0")
        // Then n0's bitmap (X and Y) arrives: that connection waits for the resync from n1.
        script.run("stabilize hold=n2")
        #expect(script.run("state").contains { $0.contains("n0 role:Primary replication:PausedSyncT") },
                "n2's connection to n0 waits for the resync from n1:\n\(script.text)")
        // The resync from n1 ends (n0's link held, so no renegotiation repairs it afterwards).
        script.run("stabilize hold-link=n0-n2,n2-n0")
        #expect(script.disk(2) == .upToDate, "n2 UpToDate from n1:\n\(script.text)")
        #expect(script.run("data n2 off=4096") == ["n2 off=4096: pattern=2"],
                "n2, UpToDate, holds X (n0's write, which n1 holds too):\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
    }

    /// The same, with n0's bitmap arriving after n2 has told n1 it is finished and before n1's
    /// answer: the joined blocks make the resync go on, n1's "finished" is not taken as its end
    /// (taken, n2 went UpToDate with X unfetched), and n2 tells n1 it is not UpToDate yet.
    @Test("bits that join a resync whose target already said it was finished are resynced before its end")
    func pausedPeerBitsJoinAFinishingResync() {
        let script = Script()
        script.n1DroppedXTowardN2()
        script.run("heal")
        // n2 resyncs from n1, n1's messages to n2 one at a time, until n2 says it is finished.
        script.run("stabilize hold-link=n0-n2,n2-n0,n1-n2")
        for _ in 0 ..< 20 where script.resync(2, from: 1)?.finishing != true {
            script.run("deliver n1 n2")
            script.run("stabilize hold-link=n0-n2,n2-n0,n1-n2")
        }
        #expect(script.resync(2, from: 1)?.finishing == true, "n2 said it was finished:\n\(script.text)")
        // n0's bitmap arrives now (n1's answer still held): X and Y join the resync from n1.
        script.run("stabilize hold-link=n1-n2")
        #expect(script.resync(2, from: 1)?.finishing == false, "the joined blocks go on:\n\(script.text)")
        // n1's answer, "finished", took n2 as UpToDate (unreported); n2 ignores it and reports
        // Inconsistent, which n1 reads while n2 still resyncs from it.
        for _ in 0 ..< 10 where script.peer(2, seenBy: 1)?.upToDateUnreported == true {
            script.run("deliver n1 n2")
            script.run("stabilize hold-link=n1-n2,n0-n2,n2-n0")
        }
        #expect(script.resync(2, from: 1) != nil && script.peer(2, seenBy: 1)?.disk == .inconsistent,
                "n1 knows n2 is not UpToDate while n2 still resyncs from it:\n\(script.text)")
        script.run("stabilize hold-link=n0-n2,n2-n0")
        #expect(script.disk(2) == .upToDate, "n2 UpToDate from n1:\n\(script.text)")
        #expect(script.run("data n2 off=4096") == ["n2 off=4096: pattern=2"],
                "n2, UpToDate, holds X:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
    }
}
