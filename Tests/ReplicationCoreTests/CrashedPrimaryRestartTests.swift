import Testing
@testable import ReplicationCore

/// A crashed Primary's status does not survive its own restart (found by review in session 15,
/// while checking crash_extents_second_crash). The status lives in memory
/// (`crashedPrimaryAtAttach`, read from the header's `primary` flag at attach), and the attach
/// removes that flag from the header it writes next: a second crash before any resync brings the
/// node back as a plain crashed Secondary. With protocol A the crashed Primary is the resync
/// source (`equal-crashed-primary-protocol-a`: it acknowledged writes its peer may lack); as a
/// plain crashed node it is the target (`equal-crashed`), and the write it alone held is resynced
/// away. DRBD keeps MDF_CRASHED_PRIMARY on disk until a resync settles it.
///
/// Open (a known issue): when the status is kept across restarts, the data check passes, the known
/// issue no longer occurs and the suite fails — move the check out of `withKnownIssue`.
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
        withKnownIssue("the crashed Primary's status is lost at its restart; equal-crashed resyncs its acknowledged write away") {
            #expect(met.contains("n0: info: connected to node 1 (n1): sourceUseBitmap by rule equal-crashed-primary-protocol-a"), "\(script.text)")
            for n in 0 ... 1 {
                #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=1"], "acknowledged write 1 lost on n\(n):\n\(script.text)")
            }
        }
    }
}
