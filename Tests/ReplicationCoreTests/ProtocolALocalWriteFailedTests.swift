import Testing
@testable import ReplicationCore

/// Simulation seed 2975's second loss (session 21; the first, a diskless node voted in past the
/// write, is DisklessPromotedPastSupersededTests). A protocol A writer counts an UpToDate peer's
/// copy when it sends the write: the promise rests on its own copy and the send buffer. In 2975
/// n0's local write of c8 failed; c8 was acknowledged on the copy counted at sending to n1, whose
/// disk failed on the same write, and its one copy was on n3, Outdated (not counted), which a
/// later resync from n0's disk (back from a crash at its generation, without c8) overwrote.
///
/// The fix (`ReplicaInstance.ownCopiesLost`): when the local write fails, the copies counted at
/// sending no longer count; the write waits for those peers' answers, as with protocol C, and
/// counts an UpToDate peer's acknowledgement. Mutation: without the call both checks below fail
/// (the write is acknowledged with no replica holding it).
@Suite("Replication core: a protocol A write whose local write fails")
struct ProtocolALocalWriteFailedTests {
    @Test("the peer's failed write leaves no copy: the write is not acknowledged")
    func peerFailedToo() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=2 size=64K protocol=A")
        // n1's disk fails on c2 (its answer comes back first), then n0's own write fails.
        script.run("fail-writes n1 1")
        script.run("write n0 off=4096 len=4096 pattern=2")
        script.run("stabilize hold=n0")
        script.run("complete n0 1 fail")
        script.run("stabilize")
        let held = [0, 1].filter { script.run("data n\($0) off=4096") == ["n\($0) off=4096: pattern=2"] }
        #expect(held.isEmpty, "no disk holds c2:\n\(script.text)")
        #expect(script.result(2) == false, "c2, on no replica, is not acknowledged:\n\(script.text)")
    }

    @Test("with the local write failed, the write waits for the peer's acknowledgement")
    func waitsForThePeer() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=2 size=64K protocol=A")
        // n0's own write fails first; n1 has c2 in hand, not yet on its disk.
        script.run("fail-writes n0 1")
        script.run("write n0 off=4096 len=4096 pattern=2")
        script.run("stabilize hold=n1")
        #expect(script.result(2) == nil, "c2 waits for n1's answer:\n\(script.text)")
        script.run("complete n1 5")
        script.run("stabilize")
        #expect(script.result(2) == true, "n1 wrote c2: acknowledged:\n\(script.text)")
        #expect(script.run("data n1 off=4096") == ["n1 off=4096: pattern=2"], "\(script.text)")
    }
}

/// The same rule whatever brings the disk down and whatever runs first (`PendingRequest.localFailed`):
/// a write pending when this node's disk fails counts no copy it counted at sending, also one
/// whose own local write succeeded just before or after the failure (the detached disk holds it
/// for nobody) and also when the failure itself completes the write (`diskFailed` drops the
/// connections of its resyncs, and a write waiting for such a peer is checked then).
extension ProtocolALocalWriteFailedTests {
    @Test("a write whose local write lands after the disk failed waits for the peer")
    func landedAfterTheFailure() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=2 size=64K protocol=A")
        // c2's local write fails and detaches the disk; c3's, already issued, lands after it.
        script.run("fail-writes n0 1")
        script.run("write n0 off=4096 len=4096 pattern=2")
        script.run("write n0 off=8192 len=4096 pattern=3")
        script.run("stabilize hold=n1")
        #expect(script.result(3) == nil, "c3 rests on n1's copy alone, not yet written: it waits:\n\(script.text)")
        script.run("complete n1 5")
        script.run("stabilize")
        #expect(script.result(3) == true, "n1 wrote c3: acknowledged:\n\(script.text)")
        #expect(script.run("data n1 off=8192") == ["n1 off=8192: pattern=3"], "\(script.text)")
    }

    @Test("the disk failure that ends a resync does not acknowledge the write on its sent copy")
    func completedByTheFailure() {
        let script = RecordedScript()
        // One unconfirmed write per peer at most: a second write waits for a peer that has one.
        script.primaryWroteBlockZero("cluster nodes=3 size=64K protocol=A requests-max=1")
        script.run("partition n0 n2")
        script.run("stabilize")
        script.run("write n0 off=8192 len=4096 pattern=2")
        script.run("stabilize")
        // n2 comes back as n0's resync target; its disk completes nothing, so the resync and
        // its acknowledgement of c3 stay open.
        script.run("heal")
        script.run("stabilize hold=n2")
        script.run("write n0 off=12288 len=4096 pattern=3")
        script.run("stabilize hold=n2")
        #expect(script.result(3) == true, "c3 is acknowledged on n0's own copy:\n\(script.text)")
        // c4 is sent to n1 (counted at sending) and waits for n2 (c3 unconfirmed there). n0's
        // local write fails: the disk failure drops the resync connection to n2, which checks c4.
        script.run("fail-writes n0 1")
        script.run("write n0 off=16384 len=4096 pattern=4")
        script.run("stabilize hold=n1,n2")
        #expect(script.result(4) == nil, "c4 rests on n1's copy alone, not yet written: it waits:\n\(script.text)")
        script.run("complete n1 5")
        script.run("stabilize hold=n2")
        #expect(script.result(4) == true, "n1 wrote c4: acknowledged:\n\(script.text)")
        #expect(script.run("data n1 off=16384") == ["n1 off=16384: pattern=4"], "\(script.text)")
    }
}
