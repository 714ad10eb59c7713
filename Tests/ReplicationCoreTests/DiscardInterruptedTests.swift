import Testing
@testable import ReplicationCore

/// A split brain resolved by `--discard-my-data` whose resync is interrupted (session 21's
/// finding, seen in DivergedInconsistentTests): the discarding side is Inconsistent, still at its
/// own generation (a target keeps its current until its resync ends), and the flag was for the
/// one connection it was given on. At the next reconnect the two met as a split brain again,
/// StandAlone until the operator discarded a second time. In DRBD the target takes the source's
/// sync UUID when the resync starts, so the interrupted target is the winner's resync target
/// again by generations; here the discarding side keeps saying so in its handshake toward that
/// peer until a resync into it ends.
@Suite("Replication core: an interrupted discard-my-data resync")
struct DiscardInterruptedTests {
    /// Two replicas, quorum off, each wrote alone after a partition (a split brain); n1 discards
    /// its changes, and its resync from n0 is cut with n0's reads held.
    static func interruptedDiscard() -> RecordedScript {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=2 size=64K")
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("partition n0 n1")
        script.run("write n0 off=4096 len=4096 pattern=2")
        script.run("write n1 off=8192 len=4096 pattern=3")
        script.run("stabilize")
        script.run("heal")
        script.run("stabilize")  // split brain: both StandAlone
        script.run("admin n1 connect discard-my-data")
        script.run("admin n0 connect")
        script.run("stabilize hold=n0")  // n0's disk answers none of the resync reads
        script.run("partition n0 n1")
        script.run("stabilize")
        return script
    }

    @Test("the interrupted discarding side resumes as the winner's resync target at the next reconnect")
    func interruptedDiscardResumes() {
        let script = Self.interruptedDiscard()
        #expect(script.run("state").contains { $0.hasPrefix("n1: role:Secondary disk:Inconsistent") },
                "n1's resync was cut short:\n\(script.text)")
        script.run("heal")
        let met = script.run("stabilize")
        #expect(!met.contains { $0.contains("split brain detected") }, "n1 and n0 stopped at a split brain again:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
        #expect(script.run("data n1 off=4096") == ["n1 off=4096: pattern=2"], "n1 took n0's write:\n\(script.text)")
        #expect(script.run("data n1 off=8192") == ["n1 off=8192: pattern=0"], "n1's own write was discarded:\n\(script.text)")
    }

    /// Once a resync into it ended, the discard is spent: a later split brain (both write apart
    /// again) stops for the operator, as any other.
    @Test("a completed discard is not carried into a later split brain")
    func completedDiscardSpent() {
        let script = Self.interruptedDiscard()
        script.run("heal")
        script.run("stabilize")
        script.run("partition n0 n1")
        script.run("write n0 off=12288 len=4096 pattern=4")
        script.run("write n1 off=16384 len=4096 pattern=5")
        script.run("stabilize")
        script.run("heal")
        let met = script.run("stabilize")
        #expect(met.contains { $0.hasPrefix("n1: error: r0: split brain detected") }, "\(script.text)")
        #expect(script.run("data n1 off=16384") == ["n1 off=16384: pattern=5"], "n1 kept its write:\n\(script.text)")
    }
}
