import Testing
@testable import ReplicationCore

/// review's mutation review of 04e59ae (session 24): a replica that took a writer's announced
/// generation keeps `generationUnconfirmed` until the first write of it arrives
/// (`onReplicatedWrite`), then clears it and marks the metadata dirty. That header is no barrier
/// for the write: the write waits only for the generation's own header (`writeBarrierVersion`),
/// so on a disk that completes out of order the write lands and is answered while the header
/// without the flag is still in flight. A crash there brings the replica back at the generation
/// with the flag, holding a write its writer acknowledged on its answer.
///
/// Below StaleUnconfirmedFlagTests' run (simrestart: n0's G1 and n2's G2 are unconfirmed children
/// of G0; n2, the writer of G2, acknowledges c3 on n1's copy and crashes before a header without
/// its own flag lands) with n1's flag stale too: c3's data write on n1 completes before the header
/// that clears n1's flag, and n1 crashes. Every holder of c3 comes back flagged at G2, beside n0
/// flagged at G1: two unconfirmed children of one parent on every connection, and the higher node
/// id yields (ForgottenGenerationSiblingTests' rule), so n1 and n2 both yield to n0 and the
/// acknowledged c3 is resynced away everywhere. A peer's missing flag (simrestart's
/// `noteGenerationConfirmed(by:)`) cannot help here: no replica holding c3 had it on disk.
/// Now the write that clears a replica's flag reaches its disk, and is answered, only after the
/// header that clears it (`onReplicatedWrite`: one header per generation on each replica).
/// Protocol A has no answer for this to delay: its writer acknowledges on the send, before the
/// replica has the write or the announcement, and with both crashed the writer's own stale flag
/// is all that speaks for the write (simrestart's 3775 class); the wait keeps only the replica's
/// disk from holding a write of a generation its header calls unconfirmed.
@Suite("Replication core: a replica's flag cleared by a write, stale on disk after a crash")
struct SecondaryStaleFlagTests {
    @Test("a replica that answered a write of its generation does not come back flagged and yield it")
    func answeredWriteOutlivesStaleFlag() {
        let script = RecordedScript()
        // n0 Primary at G0, block 0 (c1) everywhere. n0 loses n1; c2 starts G1 (n1 absent), the
        // announcement and c2 stay on n0's link to n2, and n0 crashes: G1 unconfirmed on its disk.
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority")
        for line in ["partition n0 n1", "stabilize", "write n0 off=4096 pattern=2", "stabilize hold-link=n0-n2",
                     // n1 and n2, a majority at G0: n2 is promoted; c3 starts G2 (a sibling of G1).
                     "crash n0", "heal", "admin n2 primary", "stabilize",
                     // n1's disk holds everything: G2's header waits, and c3's write waits for it.
                     "write n2 off=8192 pattern=3", "stabilize hold=n1",
                     // G2's header lands; c3's arrival cleared n1's flag in memory.
                     "complete n1 1", "stabilize hold=n1"] {
            script.run(line)
        }
        #expect(script.runner.cluster?.nodes[1].instance?.flags.contains(.generationUnconfirmed) == false,
                "n1 cleared the flag in memory at c3's arrival:\n\(script.text)")
        // n1's disk completes its newest request first (c3's write, when it was issued beside the
        // clearing header), then one at a time, until n2 acknowledges c3.
        script.run("complete n1 1 at=1")
        script.run("stabilize hold=n1")
        for _ in 0 ..< 4 where script.result(3) != true {
            script.run("complete n1 1")
            script.run("stabilize hold=n1")
        }
        #expect(script.result(3) == true, "c3 is acknowledged:\n\(script.text)")
        // n1 answered c3 with the header without the flag (attached, 0x1) on its disk.
        #expect(script.run("metadata n1").first?.contains("flags=0x1 ") == true, "n1's header no longer says G2 unconfirmed:\n\(script.text)")
        #expect(script.run("metadata n2").first?.contains("flags=0x23 ") == true, "n2's header still says G2 unconfirmed:\n\(script.text)")
        // Both holders of c3 crash at once; all come back.
        for line in ["crash n1", "crash n2", "restart n0", "restart n1", "restart n2", "stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "they converge:\n\(script.text)")
        for n in 0 ... 2 {
            #expect(script.run("data n\(n) off=8192") == ["n\(n) off=8192: pattern=3"], "c3 (acknowledged) kept on n\(n):\n\(script.text)")
        }
    }
}
