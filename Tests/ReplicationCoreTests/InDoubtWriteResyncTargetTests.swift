import Testing
@testable import ReplicationCore

/// Seed 68 (a DIFFER, protocol C; found by simsafety on its durable-crash-marks branch, whose
/// extra metadata write moved the run's timing; on main it passes by timing): a Secondary that
/// loses the writer leaves its resync target to the writer-lost exchange, and a target that got
/// none of the writer's writes decides nothing in it (it has no tail of its own to compare:
/// `reconcileWriterLost`) and answers nothing. In 68 the diskless Primary n2 sent its first
/// writes (block 12) to n1 and to n0, n1's Inconsistent resync target, and crashed; n1 wrote
/// them, n0 never received them (its link to n2 dropped with them on it), n1's writer-lost
/// marked nothing, and n0's resync from n1 ended UpToDate without block 12. Reduced: n2 misses
/// block 0 while cut off from n1 and resyncs it from n1; n0, which never wrote, turns diskless
/// Primary and its first write (block 12) reaches n1 only. The source marks the writes in doubt
/// it holds toward a peer it serves a resync (`servesResync`), bitmaps exchanged or not yet;
/// with that off (`false &&` before `servesResync(to: j)` in `writerLostExchangeCannotSettle`)
/// both cases end DIFFER n1 vs n2, n2's block 12 never written (2 issues each).
@Suite("Replication core: a lost writer's write toward a resync target that never got it")
struct InDoubtWriteResyncTargetTests {
    @Test("the source marks the lost writer's write toward a target it has not started to serve")
    func sourceMarksLostWriterWriteBeforeBitmaps() {
        let script = RecordedScript()
        // n1's handshake and bitmap stay on the link until the writer is gone: n1 is in
        // WFBitMapS toward n2 when it loses n0.
        script.n2MissedBlockZeroOfN1(healing: "stabilize hold-link=n1-n2")
        script.n0WritesBlock12AndCrashes(holding: "hold-link=n1-n2", whileWriting: "hold-link=n1-n2,n0-n2")
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "\(script.text)")
        #expect(script.run("data n2 off=49152") == ["n2 off=49152: pattern=3"], "\(script.text)")
    }

    @Test("the source marks the lost writer's write toward a target whose resync is running")
    func sourceMarksLostWriterWriteDuringResync() {
        let script = RecordedScript()
        // n1's disk holds the resync's read of block 0: n1 is n2's SyncSource when it loses n0.
        script.n2MissedBlockZeroOfN1(healing: "stabilize hold=n1")
        script.n0WritesBlock12AndCrashes(holding: "hold=n1", whileWriting: "hold=n1 hold-link=n0-n2")
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "\(script.text)")
        #expect(script.run("data n2 off=49152") == ["n2 off=49152: pattern=3"], "\(script.text)")
    }
}

private extension RecordedScript {
    /// n1, forced Primary, wrote block 0 twice; n2 missed the second write while cut off from
    /// n1, which then turned Secondary. `healing` runs after the heal: n2 resyncs from n1.
    func n2MissedBlockZeroOfN1(healing: String) {
        for line in ["cluster nodes=3 size=64K", "connect-all", "stabilize", "admin n1 primary force", "stabilize",
                     "write n1 off=0 pattern=1", "stabilize", "partition n1 n2", "write n1 off=0 pattern=2", "stabilize",
                     "admin n1 secondary", "stabilize", "heal", healing] {
            run(line)
        }
    }

    /// n0, which never wrote, turns diskless Primary; its first write (block 12) reaches n1's
    /// disk and not n2 (`whileWriting` holds n0's link to n2); n0 crashes, and the rest runs to
    /// its end.
    func n0WritesBlock12AndCrashes(holding: String, whileWriting: String) {
        for line in ["admin n0 detach", "stabilize \(holding)", "admin n0 primary", "stabilize \(holding)",
                     "write n0 off=49152 pattern=3", "stabilize \(whileWriting)", "complete n1 10", "crash n0",
                     "stabilize", "tick 20", "stabilize"] {
            run(line)
        }
    }
}
