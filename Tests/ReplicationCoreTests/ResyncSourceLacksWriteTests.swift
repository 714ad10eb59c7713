import Testing
@testable import ReplicationCore

/// A resync target told by the writer that its resync source lacks a write the target holds.
/// Reduced from seed 1570 (1401…1700, under the protocol A demotion mark's timing): n2, the
/// protocol A writer, sent c195 (block 9) to n0 and n1; n1 was n0's SyncTarget and wrote it; n2's
/// connection to n0 ended before n0 had it, and n2 told n1 that block 9 was out of sync toward
/// n0 (`recordPeerLacksWrite`'s out-of-sync range, sent only to nodes that got the write). n1 set
/// the bit toward n0, which for a SyncTarget is a block to fetch from the source: it requested
/// block 9 from n0 and wrote n0's older data over c195, ended UpToDate at n0's generation, and
/// n2 (Outdated meanwhile) yielded to n1 with nothing to resync: c195 was gone from every
/// replica. Fixed: such a range about the resync source abandons that resync as a write not
/// replicated to the source does (`abandonResync(from:missingWritesOf:)`), and the writer, UpToDate,
/// becomes the source. Mutation: the `onOutOfSync` call removed fails this test (pattern 1 on n1).
@Suite("Replication core: a resync target whose source lacks a write it holds")
struct ResyncSourceLacksWriteTests {
    @Test("told its source lacks a write it holds, a resync target does not fetch the source's older block")
    func targetKeepsWriteItsSourceLacks() {
        let script = RecordedScript()
        script.run("cluster nodes=3 size=64K quorum=majority protocol=A")
        script.run("connect-all")
        script.run("stabilize")
        script.run("admin n2 primary force")
        script.run("stabilize")
        script.run("write n2 off=0 len=65536 pattern=1")
        script.run("stabilize")
        // n1 resyncs everything from n0 (its first UpToDate peer); n0's replies wait, so only
        // the first requests are out and block 8 is not yet requested.
        script.run("admin n1 invalidate")
        script.run("stabilize hold-link=n0-n1")
        // c: block 8, protocol A (acknowledged on sending); n1 gets it, n0 does not.
        script.run("write n2 off=32768 pattern=3")
        script.run("stabilize hold-link=n0-n1,n2-n0")
        #expect(script.result(2) == true, "n2 acknowledged c:\n\(script.text)")
        #expect(script.run("data n1 off=32768") == ["n1 off=32768: pattern=3"], "n1 wrote c:\n\(script.text)")
        // n2 loses n0 before n0 had c: c's bit toward n0, and n1 is told n0 lacks block 8.
        script.run("partition n0 n2")
        let cut = script.run("stabilize")
        #expect(cut.contains { $0.hasPrefix("n1: warning: resync from node 0 (n0) abandoned") },
                "n1 kept resyncing from n0:\n\(script.text)")
        script.run("tick 10")
        script.run("stabilize")
        #expect(script.run("data n1 off=32768") == ["n1 off=32768: pattern=3"],
                "n1's resync from n0 wrote n0's older block 8 over c:\n\(script.text)")
        script.run("heal")
        script.run("stabilize")
        script.run("tick 10")
        script.run("stabilize")
        for n in 0 ..< 3 {
            #expect(script.run("data n\(n) off=32768") == ["n\(n) off=32768: pattern=3"], "\(script.text)")
        }
        #expect(script.run("compare").first?.hasPrefix("UpToDate replicas n0,n1,n2") == true, "\(script.text)")
    }
}
