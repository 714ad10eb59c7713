import Testing
@testable import ReplicationCore

/// Simulation seed 3359 (UpToDate replicas differ, 4 nodes, protocol C; new ground of session 21,
/// traced by review). The Primary n0 sent c2 (blocks 14–15, its write 2) to n1, n2 and n3; n1 and
/// n3 wrote it, n2 got none of n0's writes (they were still on the link) and n0 crashed before
/// acknowledging. n1 and n3 sent n2 their writer-lost (last=2, hot extents [0, 3]); n2, which kept
/// no tail of n0 (`lastWriterSequence` has no entry for a writer none of whose writes arrived),
/// decided nothing on it (`reconcileWriterLost` returns) and answered nothing
/// (`answerWriterLost`), and n1 and n3 mark nothing toward a connected diskful peer they do not
/// serve a resync (`writerLostExchangeCannotSettle`). Block 14 stayed 0 on n2 and 2 on n1 and n3;
/// in 3359 the crashed n0 came back, resynced its crash extents from n2 first, and ended at
/// 614774C2 with 2 beside n2's 0.
///
/// Seed 68's class (InDoubtWriteResyncTargetTests) for a plain Established peer: there the peer
/// that got none of the writer's writes was a resync target, and the source's marks
/// (`servesResync`) carry the writes; here nobody marked them. Fixed (seq2r): a survivor
/// with no tail of the lost writer decides and answers at tail 0 (`tailOfLostWriter`), so it is
/// the target of the hot extents (WriterLostNoTailTests holds the rule's unit cases).
@Suite("Replication core: a lost writer's write toward a survivor that got none of its writes")
struct WriterLostNoTailPeerTests {
    @Test("survivors that got the lost writer's write resync it to one that got none")
    func survivorWithoutTailGetsTheWrite() {
        let script = RecordedScript()
        for line in ["cluster nodes=3 size=64K", "connect-all", "stabilize", "admin n0 primary force", "stabilize",
                     // c1 reaches n1 only: n0's messages to n2 stay on the link.
                     "write n0 off=57344 len=8192 pattern=2", "stabilize hold-link=n0-n2"] {
            script.run(line)
        }
        #expect(script.result(1) == nil, "c1 waits for n2's copy (protocol C):\n\(script.text)")
        #expect(script.run("data n1 off=57344") == ["n1 off=57344: pattern=2"], "n1 wrote c1:\n\(script.text)")
        // n0 crashes with c1 still on its link to n2: the survivors n1 and n2 exchange writer-losts.
        for line in ["trace-messages", "crash n0", "stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "\(script.text)")
    }
}
