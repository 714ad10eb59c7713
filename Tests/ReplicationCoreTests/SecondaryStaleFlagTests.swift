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
/// `noteGenerationConfirmed(by:)`) cannot help here: no replica holding c3 has it on disk.
/// Direction (simsafety: metadata): the write that clears the flag waits for the header that
/// clears it (only the first write of the generation on this replica pays one header), or the
/// write's answer does.
@Suite("Replication core: a replica's flag cleared by a write, stale on disk after a crash")
struct SecondaryStaleFlagTests {
    @Test("a replica that answered a write of its generation does not come back flagged and yield it")
    func answeredWriteOutlivesStaleFlag() {
        do {
            let script = RecordedScript()
            // n0 Primary at G0, block 0 (c1) everywhere. n0 loses n1; c2 starts G1 (n1 absent), the
            // announcement and c2 stay on n0's link to n2, and n0 crashes: G1 unconfirmed on its disk.
            script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority")
            for line in ["partition n0 n1", "stabilize", "write n0 off=4096 pattern=2", "stabilize hold-link=n0-n2",
                         // n1 and n2, a majority at G0: n2 is promoted; c3 starts G2 (a sibling of G1).
                         "crash n0", "heal", "admin n2 primary", "stabilize",
                         // n1's disk holds everything: G2's header waits, and c3's write waits for it.
                         "write n2 off=8192 pattern=3", "stabilize hold=n1",
                         // G2's header lands; the header clearing n1's flag and c3's write follow.
                         "complete n1 1", "stabilize hold=n1"] {
                script.run(line)
            }
            let pending = script.runner.cluster?.nodes[1].pending ?? []
            #expect(pending.count == 2, "n1: the clearing header, then c3's write:\n\(pending)\n\(script.text)")
            // c3's write completes first; n1 answers and n2 acknowledges c3.
            for line in ["complete n1 1 at=1", "stabilize hold=n1"] {
                script.run(line)
            }
            #expect(script.result(3) == true, "c3 is acknowledged:\n\(script.text)")
            // On disk n1 is still attached (0x1) with G2 unconfirmed (0x20); in memory the flag is gone.
            #expect(script.run("metadata n1").first?.contains("flags=0x21 ") == true, "n1's header still says G2 unconfirmed:\n\(script.text)")
            #expect(script.runner.cluster?.nodes[1].instance?.flags.contains(.generationUnconfirmed) == false,
                    "n1 cleared the flag in memory at c3's arrival:\n\(script.text)")
            #expect(script.run("metadata n2").first?.contains("flags=0x23 ") == true, "n2's header still says G2 unconfirmed:\n\(script.text)")
            // Both holders of c3 crash before a header without their flag lands; all come back.
            for line in ["crash n1", "crash n2", "restart n0", "restart n1", "restart n2", "stabilize", "tick 20", "stabilize"] {
                script.run(line)
            }
            #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "they converge:\n\(script.text)")
            // The path above is checked outside the known issue; only the loss is known.
            withKnownIssue("the header clearing generationUnconfirmed at a write's arrival is no barrier for the write's answer") {
                for n in 0 ... 2 {
                    #expect(script.run("data n\(n) off=8192") == ["n\(n) off=8192: pattern=3"], "c3 (acknowledged) kept on n\(n):\n\(script.text)")
                }
            }
        }
    }
}
