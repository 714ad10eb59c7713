import Testing
@testable import ReplicationCore

/// Seed 3359 (a DIFFER, protocol C, four nodes; found on main's code in new ground 3201…3500):
/// n0, Primary at 34BB, sent writes 1 and 2 (block 14 in write 2) to n1, n2 and n3; n1 and n3
/// wrote them, n2 got none (its link from n0 dropped with them on it) and n0 crashed. n1 and n3
/// announced tail 2; n2, whose stream from n0 had brought nothing (received 0), announced
/// nothing and decided nothing on theirs (`reconcileWriterLost` needs a tail of its own), and n1
/// and n3 left n2, a connected diskful peer, to that exchange (`writerLostExchangeCannotSettle`):
/// no bit anywhere, block 14 on n1 and n3 only (seed 68's class, for an Established peer).
/// Reduced: n0's first write after the initial sync reaches n1 only, and n0 crashes; in the
/// second case n2 has not even heard n0 is Primary. A survivor whose stream brought no write
/// announces tail 0 (`resetConnection`), one that never saw the writer Primary decides and
/// answers on tail 0 (`tailOfLostWriter`), so both ends decide on the two tails and the one
/// behind resyncs the extents from the other.
@Suite("Replication core: a lost writer's survivor that got none of its writes")
struct WriterLostNoTailTests {
    @Test("a survivor whose stream brought no write still takes part in the writer-lost exchange")
    func survivorWithoutWritesIsResynced() {
        let script = RecordedScript()
        for line in ["cluster nodes=3 size=64K", "connect-all", "stabilize", "admin n0 primary force", "stabilize",
                     "write n0 off=57344 pattern=2", "stabilize hold-link=n0-n2", "crash n0",
                     "stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "\(script.text)")
        #expect(script.run("data n2 off=57344") == ["n2 off=57344: pattern=2"], "\(script.text)")
    }

    @Test("a survivor with no write of the writer decides the writer-lost it kept while it still had the writer")
    func survivorWithoutWritesDecidesKeptWriterLost() {
        let script = RecordedScript()
        // n1 loses n0 first: its writer-lost reaches n2 while n2 still has n0 (kept), and n2's
        // own loss of n0, with no write received, decides it.
        for line in ["cluster nodes=3 size=64K", "connect-all", "stabilize", "admin n0 primary force", "stabilize",
                     "write n0 off=57344 pattern=2", "stabilize hold-link=n0-n2", "partition n0 n1",
                     "stabilize hold-link=n0-n2", "crash n0", "stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "\(script.text)")
        #expect(script.run("data n2 off=57344") == ["n2 off=57344: pattern=2"], "\(script.text)")
    }

    @Test("a survivor that never heard the writer was Primary answers the others' writer-lost")
    func survivorThatNeverSawPrimaryAnswers() {
        let script = RecordedScript()
        // As in 3359: n2 votes for n0, and n0's role report and first write stay on the link.
        for line in ["cluster nodes=3 size=64K", "connect-all", "stabilize", "admin n0 primary force", "stabilize",
                     "admin n0 secondary", "stabilize", "admin n0 primary", "deliver n0 n2", "stabilize hold-link=n0-n2",
                     "write n0 off=57344 pattern=2", "stabilize hold-link=n0-n2", "crash n0",
                     "stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(script.run("compare") == ["UpToDate replicas n1,n2 identical"], "\(script.text)")
        #expect(script.run("data n2 off=57344") == ["n2 off=57344: pattern=2"], "\(script.text)")
    }
}
