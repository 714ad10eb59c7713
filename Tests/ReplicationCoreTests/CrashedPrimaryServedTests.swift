import Testing
@testable import ReplicationCore

/// A crashed Primary's status ends once it has served its peers: what decides the next crash is
/// the node's role then, not a Primary crash that a resync has already settled. A protocol A
/// Primary crashes, restarts and, as `equal-crashed-primary-protocol-a` wants, is the resync source
/// to its peer. The peer is promoted and acknowledges a write (protocol A: before this node has
/// it), and this node crashes again as a Secondary. Brought back as a crashed *Primary*, it would be
/// the source again and resync the peer's acknowledged write away. DRBD clears
/// MDF_CRASHED_PRIMARY once a connection is Established with both disks UpToDate; brought back as a
/// plain crashed node, it is the target (`equal-crashed`) and the write is kept.
///
/// Guards the fix for CrashedPrimaryRestartTests (the status kept on disk across restarts): a
/// flag cleared only when a resync *into* the node ends is never cleared on a node that was the
/// source (branch `review-crashed-primary-kept` as of session 15; this test fails there).
@Suite("Replication core: a crashed Primary that served its peer, then crashed as a Secondary")
struct CrashedPrimaryServedTests {
    @Test("a crashed Primary that served its peer and crashed again as a Secondary does not overwrite the peer's acknowledged write")
    func servedThenCrashedAsSecondary() {
        let script = RecordedScript()
        for line in ["cluster nodes=2 size=32K protocol=A al-extents=1", "connect-all", "admin n0 primary force", "stabilize"] {
            script.run(line)
        }
        // n0 acknowledges write 1 before n1 has it and crashes as Primary.
        script.run("write n0 off=0 len=4096 pattern=1")
        #expect(script.run("complete n0 2").contains("n0: client c1 done"), "\(script.text)")
        script.run("crash n0")
        script.run("restart n0")
        let served = Self.meet(script)
        #expect(served.contains("n0: info: connected to node 1 (n1): sourceUseBitmap by rule equal-crashed-primary-protocol-a"), "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
        #expect(script.run("data n1 off=0") == ["n1 off=0: pattern=1"], "\(script.text)")

        // n1 takes over and acknowledges write 3 (protocol A) before it reaches n0; n0 crashes
        // as a Secondary without it.
        for line in ["admin n0 secondary", "stabilize", "admin n1 primary", "stabilize", "write n1 off=0 len=4096 pattern=3"] {
            script.run(line)
        }
        let acknowledged = script.run("complete n1 2")
        #expect(acknowledged.contains { $0.hasPrefix("n1: client c") && $0.hasSuffix(" done") }, "\(script.text)")
        // Both crash (a power loss), n1 as the Primary with write 3 still queued toward n0: a
        // Primary that lost n0 alone would start a new generation, and the crash flags would
        // not be asked.
        script.run("crash n1")
        script.run("crash n0")
        #expect(script.run("data n0 off=0") == ["n0 off=0: pattern=1"], "write 3 must not have reached n0 before its crash:\n\(script.text)")
        script.run("restart n0")
        script.run("restart n1")
        let met = Self.meet(script)
        #expect(met.contains("n0: info: connected to node 1 (n1): targetUseBitmap by rule equal-crashed-primary-protocol-a"), "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
        Self.expectBothHold(pattern: 3, script)
    }

    /// The same with nothing to resync: a Primary that acknowledged no write and crashed meets its
    /// peer at one generation with no bit on either side, and the connection is Established
    /// without a resync. Both disks are UpToDate then, which is where DRBD clears
    /// MDF_CRASHED_PRIMARY; a status kept until a resync from this node ends outlives it, and the
    /// peer's later acknowledged write is resynced away after both crash.
    @Test("a crashed Primary that met its peer with nothing to resync does not come back a crashed Primary")
    func establishedWithoutResyncThenCrashedAsSecondary() {
        let script = RecordedScript()
        for line in ["cluster nodes=2 size=32K protocol=A al-extents=1", "connect-all", "admin n0 primary force", "stabilize",
                     "crash n0", "restart n0"] {
            script.run(line)
        }
        let met = Self.meet(script)
        #expect(met.contains { $0.hasPrefix("n0: peer-device peer:n1 replication:Established peer-disk:UpToDate") }, "\(script.text)")
        #expect(!met.contains { $0.contains("resync to node 1 (n1) started") }, "nothing to resync:\n\(script.text)")

        // n1 takes over: write 2 reaches n0 (its activity log then holds block 0's extent, so
        // n0's crash marks it toward n1), write 3 is acknowledged before n0 has it; both crash.
        for line in ["admin n1 primary", "stabilize", "write n1 off=0 len=4096 pattern=2", "stabilize",
                     "write n1 off=0 len=4096 pattern=3"] {
            script.run(line)
        }
        #expect(script.run("complete n1 2").contains { $0.hasPrefix("n1: client c") && $0.hasSuffix(" done") }, "\(script.text)")
        for line in ["crash n1", "crash n0"] {
            script.run(line)
        }
        #expect(script.run("data n0 off=0") == ["n0 off=0: pattern=2"], "write 3 must not have reached n0:\n\(script.text)")
        for line in ["restart n0", "restart n1"] {
            script.run(line)
        }
        let healed = Self.meet(script)
        #expect(healed.contains("n0: info: connected to node 1 (n1): targetUseBitmap by rule equal-crashed-primary-protocol-a"), "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
        Self.expectBothHold(pattern: 3, script)
    }

    /// The settle must be durable before the peer can rely on it. After the resync from the
    /// crashed Primary ends, `settleCrashedPrimary` only marks the metadata dirty. Were the peer
    /// promoted with this node's vote then, it could acknowledge a protocol A write this node
    /// lacks, and if both crashed before this node's metadata write landed, this node's header
    /// would still say crashed Primary (its activity log still holding block 0's extent): at
    /// the reunion both would be crashed Primaries that track, and `equal-lower-node-id` would
    /// make this node the source over the peer's acknowledged write (review's 94440ff, a known
    /// issue until session 17). The vote waits for that header (`holdPromotionVote`): while n0's
    /// disk holds the settle, n1 stays Secondary and acknowledges nothing; once it lands, n1 is
    /// promoted, its write stays away from n0, both crash, and the write survives the reunion.
    @Test("a crashed Primary's settle is durable before its peer acknowledges a write it lacks")
    func settleDurableBeforePeerRelies() {
        let (script, cluster) = Self.promotionAskedWhileSettleInFlight()
        // n0's disk catches up: the header without the status lands, then the vote goes.
        script.run("stabilize")
        #expect(cluster.nodes[1].instance?.currentRole == .primary, "\(script.text)")
        #expect(!Self.claimsPrimaryCrash(cluster, 0), "\(script.text)")
        script.run("write n1 off=0 len=4096 pattern=3")
        #expect(script.run("complete n1 2").contains { $0.hasPrefix("n1: client c") && $0.hasSuffix(" done") }, "\(script.text)")
        for line in ["crash n1", "crash n0"] {
            script.run(line)
        }
        #expect(script.run("data n0 off=0") == ["n0 off=0: pattern=1"], "write 3 must not have reached n0:\n\(script.text)")
        for line in ["restart n0", "restart n1"] {
            script.run(line)
        }
        Self.meet(script)
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
        Self.expectBothHold(pattern: 3, script)
    }

    /// The known issue's own run (session 16): n1 asks to be promoted and writes while n0's
    /// settle is in flight, and both crash before it lands. Whatever n1 acknowledged must
    /// survive the reunion. Without the held vote n1 was Primary at once, acknowledged write 3
    /// (protocol A, n0 lacking it), and n0, back a crashed Primary, resynced it away.
    @Test("a write the peer acknowledged while the settle was in flight survives a crash of both")
    func crashOfBothWhileSettleInFlight() {
        let script = Self.settleInFlight()
        for line in ["admin n1 primary", "stabilize hold=n0", "write n1 off=0 len=4096 pattern=3"] {
            script.run(line)
        }
        let acknowledged = script.run("complete n1 2").contains { $0.hasPrefix("n1: client c") && $0.hasSuffix(" done") }
        #expect(!acknowledged, "n1 acknowledged a write before n0's settle was durable:\n\(script.text)")
        Self.crashBothAndMeet(script)
        Self.expectBothHold(pattern: acknowledged ? 3 : 1, script)
    }

    /// The same hole through a demotion: a protocol A Primary that wrote has the Primary mark on
    /// disk; demoted, it clears it in memory, and the header without it is still on its way when
    /// the peer asks to be promoted. Answered then, the peer acknowledges a write this node lacks,
    /// both crash, this node returns a crashed Primary beside the peer (one too), and the lower
    /// node id resyncs the peer's write away. The vote waits for the demotion's header.
    @Test("a demoted protocol A Primary votes its peer in only once its header without the Primary mark is durable")
    func demotionDurableBeforeVote() {
        let script = RecordedScript()
        for line in ["cluster nodes=2 size=32K protocol=A al-extents=1", "connect-all", "admin n0 primary force", "stabilize",
                     "write n0 off=0 len=4096 pattern=1", "stabilize", "admin n0 secondary", "stabilize hold=n0"] {
            script.run(line)
        }
        let cluster = script.runner.cluster!
        #expect(Self.claimsPrimaryCrash(cluster, 0), "the demotion's header must still be in flight:\n\(script.text)")
        for line in ["admin n1 primary", "stabilize hold=n0"] {
            script.run(line)
        }
        #expect(cluster.nodes[1].instance?.currentRole == .secondary, "n0 voted n1 in before its demotion was durable:\n\(script.text)")
        script.run("write n1 off=0 len=4096 pattern=3")
        let acknowledged = script.run("complete n1 2").contains { $0.hasPrefix("n1: client c") && $0.hasSuffix(" done") }
        Self.crashBothAndMeet(script)
        Self.expectBothHold(pattern: acknowledged ? 3 : 1, script)
    }

    /// A held vote never waits forever: the settle's metadata write fails, n0's disk is Failed
    /// (then detached), and the vote is answered by the rules of a node without a disk (it has
    /// nothing of its own a reunion could read, and n1 holds the data): n1 is promoted and writes.
    @Test("a vote held for the settle is answered when the metadata write fails")
    func heldVoteAnsweredWhenMetadataWriteFails() {
        let (script, cluster) = Self.promotionAskedWhileSettleInFlight()
        // Every operation n0's disk holds fails, the settle's metadata write among them.
        script.run("complete n0 100 fail")
        script.run("stabilize")
        #expect(cluster.nodes[0].instance?.diskState.hasDisk == false, "n0's disk must be gone:\n\(script.text)")
        #expect(cluster.nodes[1].instance?.currentRole == .primary, "the held vote was never answered:\n\(script.text)")
        script.run("write n1 off=0 len=4096 pattern=3")
        #expect(script.run("stabilize").contains { $0.hasPrefix("n1: client c") && $0.hasSuffix(" done") }, "\(script.text)")
    }

    /// n0, a protocol A Primary that acknowledged write 1 alone, crashed and restarted; it is
    /// the source of the resync to n1, which has ended, and n0's disk has completed nothing
    /// since: the settle's metadata write is in flight.
    static func settleInFlight() -> RecordedScript {
        let script = RecordedScript()
        script.crashedProtocolAPrimary()
        var ended = false
        for _ in 0 ..< 200 where !ended {
            ended = script.run("stabilize hold=n0").contains { $0.hasPrefix("n0: info: resync to node 1 (n1) finished") }
            if !ended { script.run("complete n0 1") }
        }
        #expect(ended, "\(script.text)")
        return script
    }

    /// Node `n`'s durable header brings it back from a crash as a crashed Primary.
    static func claimsPrimaryCrash(_ cluster: SimCluster, _ n: Int) -> Bool {
        guard let flags = cluster.nodes[n].metadata?.header.flags else { return false }
        return flags.contains(.crashedPrimary) || flags.contains(.primary)
    }

    /// `settleInFlight`, then n1 asks to be promoted while n0's disk still holds the settle: n0's
    /// vote waits, so n1 stays Secondary (the mutation check: a vote answered before the settle is
    /// durable promotes n1 here).
    static func promotionAskedWhileSettleInFlight() -> (RecordedScript, SimCluster) {
        let script = settleInFlight()
        let cluster = script.runner.cluster!
        for line in ["admin n1 primary", "stabilize hold=n0"] {
            script.run(line)
        }
        #expect(cluster.nodes[1].instance?.currentRole == .secondary, "n0 voted n1 in before its settle was durable:\n\(script.text)")
        #expect(claimsPrimaryCrash(cluster, 0), "the settle must still be in flight:\n\(script.text)")
        return (script, cluster)
    }

    /// Both crash (n1 first, a power loss), come back and meet; their UpToDate replicas agree.
    static func crashBothAndMeet(_ script: RecordedScript) {
        for line in ["crash n1", "crash n0", "restart n0", "restart n1"] {
            script.run(line)
        }
        meet(script)
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
    }

    /// Lets the two nodes meet and settle; what they logged meanwhile.
    @discardableResult
    static func meet(_ script: RecordedScript) -> [String] {
        script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
    }

    /// Block 0 holds `pattern`, n1's acknowledged write, on both nodes.
    static func expectBothHold(pattern: Int, _ script: RecordedScript) {
        for n in 0 ... 1 {
            #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=\(pattern)"], "n1's acknowledged write lost on n\(n):\n\(script.text)")
        }
    }
}
