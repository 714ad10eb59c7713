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

    /// Open (a known issue, session 16): the settle must be durable before the peer can rely on
    /// it. After the resync from the crashed Primary ends, `settleCrashedPrimary` only marks the
    /// metadata dirty. The peer is then promoted (this node's vote needs no disk) and
    /// acknowledges a protocol A write this node lacks, and both crash before this node's
    /// metadata write lands. This node's header
    /// still says crashed Primary, its activity log still holds block 0's extent, and at the
    /// reunion both are crashed Primaries that track, so `equal-lower-node-id` makes this node the
    /// source over the peer's acknowledged write. When fixed (e.g. a promotion vote answered only
    /// once this node's metadata is durable), the data checks pass, the known issue is no longer
    /// recorded and the suite fails: move them out of `withKnownIssue`.
    @Test("a crashed Primary's settle is durable before its peer acknowledges a write it lacks")
    func settleDurableBeforePeerRelies() {
        let script = RecordedScript()
        for line in ["cluster nodes=2 size=32K protocol=A al-extents=1", "connect-all", "admin n0 primary force", "stabilize",
                     "write n0 off=0 len=4096 pattern=1", "complete n0 2", "crash n0", "restart n0"] {
            script.run(line)
        }
        // n0's disk completes one operation at a time until the resync to n1 has ended, and
        // nothing after that: the settle's metadata write stays in flight.
        var ended = false
        for _ in 0 ..< 200 where !ended {
            ended = script.run("stabilize hold=n0").contains { $0.hasPrefix("n0: info: resync to node 1 (n1) finished") }
            if !ended { script.run("complete n0 1") }
        }
        #expect(ended, "\(script.text)")
        for line in ["admin n1 primary", "stabilize hold=n0", "write n1 off=0 len=4096 pattern=3"] {
            script.run(line)
        }
        #expect(script.run("complete n1 2").contains { $0.hasPrefix("n1: client c") && $0.hasSuffix(" done") }, "\(script.text)")
        for line in ["crash n1", "crash n0", "restart n0", "restart n1"] {
            script.run(line)
        }
        Self.meet(script)
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
        withKnownIssue("the settle's clear is not durable before n0 votes n1 in; both return crashed Primaries and n0 is the source") {
            Self.expectBothHold(pattern: 3, script)
        }
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
