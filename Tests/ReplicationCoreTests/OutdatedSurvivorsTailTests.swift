import Testing
@testable import ReplicationCore

/// Resync-lane seed 93 (a DIFFER, protocol C, four nodes; on a79be9f too): two survivors of a
/// lost writer, both Outdated, with different tails of its stream, reconciled nothing
/// (`reconcileWriterLost`: only UpToDate data may serve, and neither was), and nothing else
/// recorded the difference. In 93 n3, its disk failed (diskless), asked to be promoted while n1
/// was UpToDate; n1 and n2 went Outdated by a quorum loss before the grant reached n3, which
/// then wrote c323…c328 to them (none acknowledged: no UpToDate replica). c328 (block 12, n3's
/// write 6) reached n1's disk; n2 still held it in its queue when n3 crashed and dropped it, so
/// n1 announced tail 6 and n2 tail 5. Both came back UpToDate at the same generation when quorum
/// returned (`returnFromQuorumOutdate`), Established, no bit between them; n2 then served n0 and
/// n3 and only n1 kept c328 (step ~2400 of 2500). Reduced: the same promotion race with n3
/// detached; n3's write to block 12 reaches n1's disk and waits in n2's queue (n2's activity-log
/// update held) when n3 crashes. The side with the longer tail marks the extents toward the
/// other and renegotiates (`keepLongerTailOutdated`), so the handshake makes it the source once
/// it is UpToDate; with that off (`return` first in `keepLongerTailOutdated`) the run ends
/// DIFFER n0 vs n2, n2's block 12 never written (2 issues).
@Suite("Replication core: a lost writer's survivors, both Outdated, with different tails")
struct OutdatedSurvivorsTailTests {
    @Test("the Outdated survivor with the longer tail becomes the other's source")
    func longerTailServesOnceUpToDate() {
        let script = RecordedScript()
        for line in ["cluster nodes=4 size=64K quorum=majority", "connect-all", "stabilize", "admin n0 primary force", "stabilize",
                     "write n0 off=0 pattern=1", "stabilize", "admin n0 secondary", "stabilize", "admin n3 detach", "stabilize",
                     // n1 and n2 grant n3's promotion; their replies wait on the link while a
                     // partition from n0 takes their quorum (Outdated), and reach n3 after.
                     "admin n3 primary", "stabilize hold-link=n1-n3,n2-n3",
                     "partition n0 n1", "partition n0 n2", "deliver n1 n3", "deliver n2 n3",
                     // n3 still sees n1 and n2 UpToDate: its write to block 12 goes to both.
                     // n1 writes it; n2's disk holds the activity-log update it waits behind.
                     "write n3 off=49152 pattern=3", "stabilize hold=n2 hold-link=n3-n0,n1-n3,n2-n3",
                     "crash n3", "stabilize", "heal", "stabilize", "tick 20", "stabilize"] {
            script.run(line)
        }
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        #expect(script.run("data n2 off=49152") == ["n2 off=49152: pattern=3"], "\(script.text)")
    }
}
