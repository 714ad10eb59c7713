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
        let served = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
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
        let met = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(met.contains("n0: info: connected to node 1 (n1): targetUseBitmap by rule equal-crashed-primary-protocol-a"), "\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
        for n in 0 ... 1 {
            #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=3"], "n1's acknowledged write 3 lost on n\(n):\n\(script.text)")
        }
    }
}
