import Testing
@testable import ReplicationCore

/// Resync-lane fixed seed 1504 under nbdpath's protocol C variant of the writer's clear (session
/// 25, bfcfa8d, debug; SIM_WATCH_BLOCK=0): an acknowledged write lost by main's rules, reached by
/// timing. n0, Primary at 1D09, failed its disk on c95's local write; c95 was acknowledged on n1's
/// copy. A Primary writes no failure record for its own disk (`noteFailureRecord`: its peers are
/// to start a generation without it); n0 announced DDBF as a diskless Primary and that
/// announcement to n1 died with the link, so n1, meeting n0 again at DDBF, went Outdated at 1D09
/// ("until a diskful replica at DDBF resyncs it"), holding c95. n0 crashed; its disk came back
/// UpToDate at 1D09, the last header before the failure, without c95, and n1, Outdated at the
/// same generation, took it for its source (`equal-peer-outdated`): c95 gone everywhere.
///
/// Reduced to three nodes, n2 a diskless tiebreaker. Direction (not tried): a replica Outdated
/// by a diskless Primary's newer generation is behind that generation only, not behind a disk at
/// its own (the newer data it waits for cannot come from there), so against an equal generation
/// it is no `equal-peer-outdated` target; or the Primary's failed disk leaves a durable mark
/// that makes it come back below its generation (a failure record for a Primary's own disk
/// measured split brains 777 and 781 in session 13).
@Suite("Replication core: a Primary's failed disk back at the generation its write left")
struct FailedPrimaryDiskReturnsTests {
    @Test("a write acknowledged after the Primary's disk failed survives that disk's return")
    func failedDiskDoesNotOverwriteOutdatedHolder() {
        withKnownIssue("the returning disk resyncs the Outdated holder of c2 (equal-peer-outdated)") {
            let script = RecordedScript()
            script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority diskless=n2")
            // n0's disk fails on c2's local write: n0 goes on as a diskless Primary, c2 is
            // acknowledged on n1's copy.
            for line in ["fail-writes n0 1", "write n0 off=0 pattern=2", "stabilize"] {
                script.run(line)
            }
            #expect(script.result(2) == true, "c2 is acknowledged:\n\(script.text)")
            #expect(script.run("data n1 off=0") == ["n1 off=0: pattern=2"], "c2 is on n1:\n\(script.text)")
            // c3 makes n0 announce a generation without its disk; the announcement to n1 dies with
            // the link, and n1, meeting n0 again at the new generation, is Outdated at G0.
            for line in ["write n0 off=4096 pattern=3", "stabilize hold-link=n0-n1", "partition n0 n1", "stabilize", "heal",
                         "stabilize"] {
                script.run(line)
            }
            #expect(script.runner.cluster?.nodes[1].instance?.diskState == .outdated, "n1 is Outdated:\n\(script.text)")
            // n0 crashes; its disk comes back at G0 (the header before the failure).
            for line in ["crash n0", "restart n0", "stabilize", "tick 20", "stabilize"] {
                script.run(line)
            }
            #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "they converge:\n\(script.text)")
            for n in 0 ... 1 {
                #expect(script.run("data n\(n) off=0") == ["n\(n) off=0: pattern=2"], "c2 (acknowledged) kept on n\(n):\n\(script.text)")
            }
        }
    }
}
