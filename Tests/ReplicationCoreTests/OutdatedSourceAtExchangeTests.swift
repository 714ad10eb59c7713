import Testing
@testable import ReplicationCore

/// Simulation seed 5979 (no convergence, 4 nodes, protocol C; new ground in session 24, traced by
/// review on main b7e6f95's release bundle; nothing was acknowledged in the whole run). n0, back
/// UpToDate from a crash at the generation everyone holds, handshook n1; n1's handshake said
/// UpToDate, then n1 lost quorum (n3 crashed) and went Outdated, and its state report saying so
/// reached n0 before n1's bitmap. Both sides planned from the handshakes (`equal-crashed`: n0 the
/// target, n1 the source, not paused: the handshake said UpToDate), so at the bitmap exchange n0
/// started a resync from a source it knew was Outdated and went Inconsistent; n1, Outdated, never
/// served it. n3, which had planned `equal-lower-node-id` as n0's target while n0 was UpToDate,
/// then went Inconsistent from Inconsistent n0 the same way, and n2 was Inconsistent already: no
/// replica was UpToDate, every plan after that "paused until the source is UpToDate".
///
/// Below the first half, reduced: n0 goes Inconsistent from an Outdated source. The trace: n1
/// went Outdated before n0's handshake reached it, planned from the handshake it had sent
/// (UpToDate), sent its bitmap, and only then, after the step, renegotiated as a source without
/// data (`pauseResyncSourcesWithoutData`); n0 had its bitmap by then and started. The rule
/// (`finishBitmapExchange`, session 25): a target that is not Inconsistent pauses at the
/// exchange when the source's state report since its handshake says Outdated, and waits for the
/// renegotiation; the fresh handshakes carry the source's disk, and the resync waits until it is
/// UpToDate again. Not a safety failure by itself (nothing acknowledged is overwritten: the
/// source's data is of the same generation), but an UpToDate replica lost for a resync nobody
/// can serve.
@Suite("Replication core: a resync whose source is Outdated by the time of its bitmap exchange")
struct OutdatedSourceAtExchangeTests {
    @Test("an UpToDate target does not go Inconsistent for a source whose state report already said Outdated")
    func targetStaysUpToDateBehindOutdatedSource() {
        let script = RecordedScript()
        // Four replicas UpToDate at G0 (block 0 written); n0 steps down and crashes: back UpToDate
        // at G0 with its activity log's extent marked, a crashed node (`equal-crashed` yields).
        script.primaryWroteBlockZero("cluster nodes=4 size=64K quorum=majority")
        for line in ["admin n0 secondary", "stabilize", "crash n0", "stabilize",
                     // Only the n0-n1 link comes up; both handshakes are queued with n1 UpToDate.
                     "partition n0 n2", "partition n0 n3", "restart n0", "connect-wanted",
                     // n1 loses quorum (it reaches n0 alone): Outdated, its report queued behind its handshake.
                     "partition n1 n2", "partition n1 n3"] {
            script.run(line)
        }
        #expect(script.run("state").contains { $0.hasPrefix("n1: role:Secondary disk:Outdated") },
                "n1 is Outdated before the exchange:\n\(script.text)")
        script.run("stabilize")
        #expect(script.run("state").contains { $0.hasPrefix("n0: role:Secondary disk:UpToDate") },
                "n0 stays UpToDate, its resync from Outdated n1 paused:\n\(script.text)")
    }
}
