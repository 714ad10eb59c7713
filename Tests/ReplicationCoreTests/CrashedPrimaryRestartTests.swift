import Testing
@testable import ReplicationCore

/// A crashed Primary's status must survive its own restart (found by review in session 15,
/// while checking crash_extents_second_crash). It lived in memory only (`crashedPrimaryAtAttach`,
/// read from the header's `primary` flag at attach), and the attach removes that flag from the
/// header it writes next: a second crash before any resync brought the node back as a plain
/// crashed Secondary. With protocol A the crashed Primary is the resync
/// source (`equal-crashed-primary-protocol-a`: it acknowledged writes its peer may lack); as a
/// plain crashed node it is the target (`equal-crashed`), and the write it alone held is resynced
/// away. DRBD keeps MDF_CRASHED_PRIMARY on disk until a resync settles it; so does
/// `MetadataFlags.crashedPrimary` here (without it: the rule line and both data checks fail).
@Suite("Replication core: a crashed protocol A Primary restarted twice")
struct CrashedPrimaryRestartTests {
    @Test("a crashed protocol A Primary that restarts and crashes again keeps the write it alone acknowledged")
    func crashedPrimaryRestartedTwice() {
        let script = RecordedScript()
        for line in ["cluster nodes=2 size=32K protocol=A al-extents=1", "connect-all", "admin n0 primary force", "stabilize"] {
            script.run(line)
        }
        // Write 1 completes to the client before n1 has it (protocol A); write 2, in another
        // extent, keeps the one-extent log busy; n0 crashes with write 1 unconfirmed.
        script.run("write n0 off=0 len=4096 pattern=1")
        let acknowledged = script.run("complete n0 2")
        #expect(acknowledged.contains("n0: client c1 done"), "\(script.text)")
        script.run("write n0 off=16384 len=4096 pattern=2")
        script.run("complete n0 2")
        script.run("crash n0")
        // n0 restarts alone; its attach's metadata write lands; it crashes again.
        script.run("partition n0 n1")
        script.run("restart n0")
        script.run("stabilize")
        script.run("crash n0")
        script.run("restart n0")
        script.run("heal")
        let met = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(met.contains { $0.hasPrefix("n0: info: connected to node 1 (n1): ") }, "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
        #expect(met.contains("n0: info: connected to node 1 (n1): sourceUseBitmap by rule equal-crashed-primary-protocol-a"), "\(script.text)")
        for n in 0 ... 1 {
            #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=1"], "acknowledged write 1 lost on n\(n):\n\(script.text)")
        }
    }

    /// The other side of keeping the status on disk: it must end once the crash is settled. After
    /// the crashed Primary served its peer (both UpToDate) it holds nothing that peer lacks; later
    /// the peer, promoted, acknowledges a write the old Primary never receives (protocol A), and
    /// the old Primary crashes again as a Secondary. Still flagged, it would come back claiming
    /// crashed Primary, be the protocol A source and resync that write away. DRBD clears
    /// MDF_CRASHED_PRIMARY when a connection reaches both disks UpToDate; here the flag goes once
    /// every diskful peer took this node's data (`tookDataSinceAttach`) or a resync into it ends.
    @Test("a crashed Primary that served its peer is a plain crashed node after its next crash")
    func crashedPrimaryClearedOnceItsPeerTookItsData() {
        let script = RecordedScript()
        script.crashedProtocolAPrimary()
        let served = script.run("stabilize")
        #expect(served.contains("n0: info: connected to node 1 (n1): sourceUseBitmap by rule equal-crashed-primary-protocol-a"), "\(script.text)")
        #expect(served.contains { $0.hasPrefix("n0: info: resync to node 1 (n1) finished") }, "\(script.text)")
        // Settled: the header a restart reads no longer says crashed Primary (flags 0x1: attached).
        #expect(script.run("metadata n0").first?.contains("flags=0x1 ") == true, "\(script.text)")
        // n1, promoted, acknowledges write 3 before n0 has it and demotes (no new generation: n0
        // is still connected); n0 crashes before write 3 arrives. Both are at one generation.
        for line in ["admin n1 primary", "stabilize", "write n1 off=0 len=4096 pattern=3"] {
            script.run(line)
        }
        #expect(script.run("complete n1 2").contains("n1: client c2 done"), "\(script.text)")
        for line in ["admin n1 secondary", "crash n0", "stabilize", "restart n0"] {
            script.run(line)
        }
        let met = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(met.contains("n0: info: connected to node 1 (n1): targetUseBitmap by rule equal-crashed"), "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
        for n in 0 ... 1 {
            #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=3"], "acknowledged write 3 lost on n\(n):\n\(script.text)")
        }
    }

    /// Three nodes: the crashed Primary served n1 but not n2 (cut off), so the status stays on
    /// disk for n2. n1, promoted, starts a generation (n2 absent) that n0 takes, then acknowledges
    /// write 3 before n0 has it and demotes; n0 crashes again. Still flagged, n0 came back claiming
    /// crashed Primary at the generation it shares with n1 and resynced write 3 away. Taking a
    /// writer's generation ends the status (`onNewGeneration`), as it ends a plain crash's.
    @Test("a crashed Primary that took a later writer's generation is a plain crashed node after its next crash")
    func crashedPrimaryEndsWithTheWritersGeneration() {
        let script = RecordedScript()
        for line in ["cluster nodes=3 size=32K protocol=A al-extents=1", "connect-all", "admin n0 primary force", "stabilize",
                     "isolate n2", "stabilize", "write n0 off=0 len=4096 pattern=1", "complete n0 2", "crash n0", "restart n0",
                     "stabilize", "admin n1 primary", "stabilize", "write n1 off=16384 len=4096 pattern=2"] {
            script.run(line)
        }
        let generation = script.run("stabilize")
        #expect(generation.contains("n1: client c2 done"), "\(script.text)")
        #expect(script.run("metadata n0").first?.contains("flags=0x1 ") == true, "n0 took n1's generation and is no crashed Primary:\n\(script.text)")
        script.run("write n1 off=0 len=4096 pattern=3")
        #expect(script.run("complete n1 2").contains("n1: client c3 done"), "\(script.text)")
        for line in ["admin n1 secondary", "crash n0", "stabilize", "restart n0"] {
            script.run(line)
        }
        let met = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(met.contains("n0: info: connected to node 1 (n1): targetUseBitmap by rule equal-crashed"), "\(script.text)")
        for n in 0 ... 1 {
            #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=3"], "acknowledged write 3 lost on n\(n):\n\(script.text)")
        }
    }

    /// Three nodes, no new generation: the crashed Primary serves n1 while n2 is cut off from it
    /// (n2 still connected to n1). n1, promoted with every peer connected, writes on at the same
    /// generation, acknowledges write 3 before n0 has it and demotes; n0 crashes again. The status
    /// is kept on disk for n2, but settled toward n1 (`crashedPrimarySettledPeers`): toward n1 n0
    /// is a plain crashed node and takes write 3. Settled only in memory, it claimed crashed
    /// Primary toward n1 again and resynced write 3 away.
    @Test("a crashed Primary's status settled toward one peer stays settled toward it through the next crash")
    func crashedPrimarySettledPerPeer() {
        let script = RecordedScript()
        for line in ["cluster nodes=3 size=32K protocol=A al-extents=1", "connect-all", "admin n0 primary force", "stabilize",
                     "write n0 off=0 len=4096 pattern=1", "complete n0 2", "crash n0", "partition n0 n2", "restart n0"] {
            script.run(line)
        }
        let served = script.run("stabilize")
        #expect(served.contains { $0.hasPrefix("n0: info: resync to node 1 (n1) finished") }, "\(script.text)")
        // Extent 0's bits toward n2 are still only the crash's (format 4's crash-marked extents).
        #expect(script.run("metadata n0").first?.hasSuffix("flags=0x81 activity-log=[0] crashed-primary-settled=[\"n1\"] crash-marked=[0]") == true,
                "kept for n2, settled toward n1:\n\(script.text)")
        for line in ["admin n1 primary", "stabilize", "write n1 off=16384 len=4096 pattern=2", "stabilize", "write n1 off=0 len=4096 pattern=3"] {
            script.run(line)
        }
        #expect(script.run("complete n1 2").contains { $0.hasPrefix("n1: client c") && $0.hasSuffix(" done") }, "\(script.text)")
        for line in ["admin n1 secondary", "crash n0", "stabilize", "restart n0"] {
            script.run(line)
        }
        let met = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(met.contains("n0: info: connected to node 1 (n1): targetUseBitmap by rule equal-crashed"), "\(script.text)")
        for n in 0 ... 2 {
            #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=3"], "acknowledged write 3 lost on n\(n):\n\(script.text)")
        }
    }
}
