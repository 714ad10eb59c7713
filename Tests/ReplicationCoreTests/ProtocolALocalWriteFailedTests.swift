import Testing
@testable import ReplicationCore

/// Simulation seed 2975's second loss (session 21; the first, a diskless node voted in past the
/// write, is DisklessPromotedPastSupersededTests). A protocol A writer counts an UpToDate peer's
/// copy when it sends the write: the promise rests on its own copy and the send buffer. In 2975
/// n0's local write of c8 failed; c8 was acknowledged on the copy counted at sending to n1, whose
/// disk failed on the same write, and its one copy was on n3, Outdated (not counted), which a
/// later resync from n0's disk (back from a crash at its generation, without c8) overwrote.
///
/// The fix (`ReplicaInstance.awaitSentCopies`): when the local write fails, the copies counted at
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
