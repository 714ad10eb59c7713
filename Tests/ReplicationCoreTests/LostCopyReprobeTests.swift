import Testing
@testable import ReplicationCore

/// The lost-copy hold (`PendingRequest.lostCopyGeneration`) with five replicas, where the peers
/// first probed drop while quorum stays. n0, Primary, writes c2 while n3 and n4 are away (it
/// goes to n1 and n2, whose disks hang); n3 and n4 come back and are resynced to n0's
/// generation. n1 then drops before acknowledging c2: n0 starts generation G, announced to n2,
/// n3 and n4. n2 acknowledges c2, so n0 and n2 hold it; with five voters a quorum of n1, n3 and
/// n4 could still form without either, so c2 waits for an answer from n3 or n4 to the probe
/// behind the announcement. Both take G, but their answers never arrive: n3 drops and comes
/// back, then n4 drops. Quorum never left n0 (n0, n1, n2, n3 connected at the end).
///
/// Before session 17 the hold failed c2 as soon as no probed peer was left to answer, although
/// n3 had reconnected at G and n1 was resynced to it: EIO on a Primary with quorum, which DRBD
/// would have completed. Now the peers that report G or a later generation of n0's are probed
/// on their new connections and count once they answer.
@Suite("Replication core: the lost-copy hold re-probes the peers that reach the generation")
struct LostCopyReprobeTests {
    final class Script: RecordedScript {
        var c2Outcome: String? {
            trace.last { $0.hasPrefix("  n0: client c2 ") }.map { String($0.dropFirst("  n0: client c2 ".count)) }
        }

        /// Up to the moment n0 waits for n3's or n4's answer, both held on their links to n0.
        func heldForAnswers() {
            primaryWroteBlockZero("cluster nodes=5 size=64K quorum=majority")
            run("partition n0 n3")
            run("partition n0 n4")
            run("stabilize")
            run("write n0 off=4096 pattern=2")
            run("stabilize hold=n1,n2")
            // n3 and n4 reconnect and are resynced from n0 (c2's block among the bits).
            run("heal")
            run("stabilize hold=n1,n2")
            run("partition n0 n1")
            // n2's disk completes c2; n3's and n4's messages to n0 (the probe's answers) wait.
            run("stabilize hold=n1 hold-link=n3-n0,n4-n0")
        }
    }

    @Test("the probed peers drop while quorum stays: the write is acknowledged, not failed")
    func probedPeersDrop() {
        let script = Script()
        script.heldForAnswers()
        #expect(script.c2Outcome == nil, "c2 completed before any probe was answered:\n\(script.text)")
        #expect(script.runner.cluster?.status(0)?.device.quorum == true, "\(script.text)")
        // n3's link drops with its answer; it reconnects (n4's answer still queued).
        script.run("partition n0 n3")
        script.run("stabilize hold-link=n4-n0")
        script.run("heal")
        script.run("stabilize hold-link=n4-n0")
        script.run("partition n0 n4")
        script.run("stabilize")
        #expect(script.runner.cluster?.status(0)?.device.quorum == true, "\(script.text)")
        #expect(script.c2Outcome == "done", "c2 not acknowledged although quorum stayed and n3 knew G:\n\(script.text)")
        script.run("heal")
        script.run("stabilize")
        for n in 0 ..< 5 {
            #expect(script.run("data n\(n) off=4096") == ["n\(n) off=4096: pattern=2"], "\(script.text)")
        }
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2,n3,n4 identical"], "\(script.text)")
    }
}
