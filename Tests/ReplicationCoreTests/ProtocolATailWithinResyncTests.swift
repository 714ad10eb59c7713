import Testing
@testable import ReplicationCore

/// Simulation seed 2060 (lost; a known issue in session 17, fixed in session 18): under protocol
/// A, a resync target's longer tail of a lost Primary's writes was resynced away from the source.
/// n1 is Primary; n0 is an Inconsistent SyncTarget of n2 (UpToDate) while it replicates n1's
/// writes. n1 writes block 15 twice; n2 gets the first (c4) and n0 both, c5 only on n0, and
/// protocol A acknowledges c5 after n1's own disk. Then n1 is lost. On n0
/// `refetchLostWriterExtents` ("its last writes here are resynced again from there") and
/// `reconcileWithinResync` on n0 and n2 ("this node got 4, it got 3") marked the hot extents for
/// the resync from the source n2, on the premise that a target's copy never counted toward an
/// acknowledgement: false under protocol A, where the acknowledgement needed no peer's copy at
/// all. n2 was promoted with n0's vote and wrote; n0 was resynced from n2; n1 crashed, came back
/// and was the resync target of the newer generation. No replica held c5.
///
/// Seed 2060's: it failed there from the promotion-vote hold's timing; the hole was older
/// (f31552d / b76b9ab, the reconciliation within a resync).
///
/// The fix (`ReplicaInstance+LostWriterTail.swift`, protocol 19): n0 holds its resync and its
/// promotion votes from the loss until n2's writer-lost gives n2's tail, sends n2 its copy of each
/// write in doubt beyond it (`lostWriterTail`), and goes on once n2 has written them. Not marking
/// the extents is no fix: with neither function marking them, n0 keeps c5 and n2 c4, both
/// UpToDate and different.
@Suite("Replication core: a protocol A writer's longer tail on a resync target")
struct ProtocolATailWithinResyncTests {
    @Test("a protocol A write acknowledged with its copy on a resync target only is kept after the writer is lost")
    func longerTailOnResyncTarget() {
        let script = Self.longerTailOnTarget()
        // n1 is lost (suspended without quorum); n0 and n2 reconcile within their resync.
        script.run("isolate n1")
        script.run("stabilize hold=n2")
        script.run("stabilize")
        // n2 is promoted with n0's vote and writes elsewhere: a newer generation.
        script.run("admin n2 primary")
        script.run("stabilize")
        script.run("write n2 off=8192 pattern=9")
        script.run("stabilize")
        Self.expectKeptAfterWriterReturns(script)
    }

    /// n2 asks for its promotion while n0's copy of c5 is still on its way (n0's disk holds the
    /// read): n0's vote waits until n2 has written it. Granted at once, n2 was Primary when the
    /// copy came, refused it, and resynced block 15 to n0 with c4.
    @Test("a promotion vote waits until the resync source holds the target's longer tail")
    func voteWaitsForTheTail() {
        let script = Self.longerTailOnTarget()
        script.run("isolate n1")
        script.run("stabilize hold=n0")
        script.run("admin n2 primary")
        script.run("stabilize hold=n0")
        #expect(script.run("state").contains { $0.hasPrefix("n2:") && $0.contains("role:Secondary") },
                "n2's promotion waits for n0's vote:\n\(script.text)")
        script.run("stabilize")
        #expect(script.run("state").contains { $0.hasPrefix("n2:") && $0.contains("role:Primary") },
                "n2 is promoted once it holds c5:\n\(script.text)")
        script.run("write n2 off=8192 pattern=9")
        script.run("stabilize")
        Self.expectKeptAfterWriterReturns(script)
    }

    /// Three nodes, protocol A, n1 Primary; n0 an Inconsistent SyncTarget of n2 (UpToDate) while
    /// it replicates n1's writes; block 15: c4 on n2 and n0, c5 (acknowledged) on n0 only.
    static func longerTailOnTarget() -> RecordedScript {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K protocol=A quorum=majority")
        // n0 is the Primary there; make n1 the writer instead (n0 steps down, n1 promotes).
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("admin n1 primary")
        script.run("stabilize")
        // n0 misses c2, c3; it comes back to n2 first (n2's disk held: the resync stays running),
        // then to n1, whose resync to n0 pauses behind n2's.
        script.run("isolate n0")
        script.run("write n1 off=0 pattern=2")
        script.run("write n1 off=4096 pattern=2")
        script.run("stabilize")
        script.run("heal")
        script.run("partition n0 n1")
        script.run("stabilize hold=n2")
        script.run("heal")
        script.run("stabilize hold=n2")
        let during = script.run("state")
        #expect(during.contains("  n2 role:Secondary replication:SyncTarget peer-disk:UpToDate out-of-sync:8K")
                && during.contains { $0.hasPrefix("n0:") && $0.contains("disk:Inconsistent") },
                "n0 is an Inconsistent SyncTarget of n2:\n\(script.text)")
        // Block 15: c4 reaches n2 and n0, c5 only n0 (n1 → n2 held). Protocol A: both acknowledged.
        script.run("write n1 off=61440 pattern=4")
        script.run("stabilize hold=n2")
        script.run("write n1 off=61440 pattern=5")
        script.run("stabilize hold=n2 hold-link=n1-n2")
        // n2's disk completes what it holds (c4; the resync to n0 goes on): before the loss, n0
        // holds c5 and n2 c4, the older write.
        script.run("complete n2 10")
        #expect(script.run("data n0 off=61440") == ["n0 off=61440: pattern=5"] && script.run("data n2 off=61440") == ["n2 off=61440: pattern=4"],
                "n0 got c5, n2 only c4:\n\(script.text)")
        // Not vacuous: c5 (the fifth client request; c1 was n0's block 0) was acknowledged.
        #expect(Self.acknowledged(5, script) == true, "c5 (block 15, pattern 5) was acknowledged:\n\(script.text)")
        return script
    }

    /// n1 crashes, comes back and is resynced to n2's newer generation: every replica ends
    /// identical, with c5 in block 15 (before the fix, c4 on every one).
    static func expectKeptAfterWriterReturns(_ script: RecordedScript) {
        script.run("crash n1")
        script.run("restart n1")
        script.run("heal")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        let blocks = (0 ... 2).map { script.run("data n\($0) off=61440") }
        let kept = (0 ... 2).allSatisfy { blocks[$0] == ["n\($0) off=61440: pattern=5"] }
        #expect(kept, "acknowledged c5 lost (block 15: \(blocks)):\n\(script.text)")
    }

    /// The client's result for request `id`: true done, false failed, nil still pending.
    static func acknowledged(_ id: UInt64, _ script: RecordedScript) -> Bool? {
        guard let result = script.runner.cluster?.completions[id] else { return nil }
        return result == .done
    }
}
