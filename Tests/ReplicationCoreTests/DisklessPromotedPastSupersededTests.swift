import Testing
@testable import ReplicationCore

/// Simulation seed 2975 (LOST, protocol A, 4 nodes; traced in session 20 by review, reduced here).
@Suite("Replication core: a diskless node promoted on data a writer moved past")
struct DisklessPromotedPastSupersededTests {
    /// Draft reduction.
    @Test("draft")
    func draft() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=4 size=64K quorum=majority protocol=A")
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("crash n2")
        script.run("stabilize")
        script.run("partition n1 n3")
        script.run("stabilize")
        script.run("admin n0 primary")
        script.run("stabilize")
        script.run("write n0 off=0 len=4096 pattern=8")
        script.run("stabilize hold=n0")
        script.run("complete n0 1")
        script.run("stabilize hold=n0")
        script.run("complete n0 1")
        script.run("stabilize hold=n0")
        script.run("complete n0 1 fail")
        script.run("stabilize")
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("admin n1 detach")
        script.run("stabilize")
        script.run("heal")
        script.run("restart n2")
        script.run("stabilize")
        script.run("state")
        for n in 0 ... 3 { script.run("data n\(n) off=0") }
        let (promotion, promoted) = script.promote(1)
        if promoted {
            script.run("write n1 off=8192 len=4096 pattern=9")
            script.run("stabilize")
        }
        script.run("tick 20")
        script.run("stabilize")
        script.run("partition n2 n3")
        script.run("stabilize")
        script.run("heal")
        script.run("stabilize")
        script.run("state")
        for n in 0 ... 3 { script.run("data n\(n) off=0") }
        #expect(!promoted, "\(promotion)")
        Issue.record("\(script.text)")
    }
}
