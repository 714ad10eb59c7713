import Testing
@testable import ReplicationCore

/// review's mutation review of simrestart's 00dbe8f (session 25): `noteGenerationConfirmed(by:)`
/// clears this node's `generationUnconfirmed` when a diskful Secondary peer's handshake is at its
/// generation without the flag. Two of its conditions had no test: the peer is not a live Primary
/// (a Primary never sends the flag, `makeHandshake`, so its handshake says nothing of what
/// arrived) and the peer does not carry the flag itself (then nothing of the generation arrived
/// there either). Either dropped, a replica that took a writer's announcement and no write of it
/// forgets that it holds nothing acknowledged in that generation, and where a majority moved on
/// from the parent in a sibling, it no longer yields its empty branch: a split brain (StandAlone)
/// where `split-brain-self-unconfirmed-generation` resyncs it.
///
/// Five nodes: n0, Primary at G0, loses n4; its next write starts G1 (n4 absent) and only the
/// announcement reaches n1 (the write waits for n0's header, n0's disk slow, and the links to n2
/// and n3 are held). {n0, n1} and {n2, n3, n4} are cut apart; n0 loses quorum and the write fails.
/// n2, promoted by the majority at G0, writes c3 in G2, a sibling of G1.
@Suite("Replication core: handshakes that say nothing of a generation's writes")
struct PeerConfirmationSilentTests {
    /// n1 flagged at G1 beside n0, Primary at G1 without quorum; the majority at G2 without them.
    func announcedToN1Only(_ script: RecordedScript, _ cluster: String = "cluster nodes=5 size=64K quorum=majority") {
        script.primaryWroteBlockZero(cluster)
        for line in ["partition n0 n4", "stabilize", "write n0 off=4096 pattern=2", "stabilize hold=n0 hold-link=n0-n2,n0-n3"] {
            script.run(line)
        }
        for line in ["partition n0 n2", "partition n0 n3", "partition n1 n2", "partition n1 n3", "partition n1 n4", "stabilize",
                     "admin n2 primary", "stabilize", "write n2 off=8192 pattern=3", "stabilize"] {
            script.run(line)
        }
    }

    /// The cut of {n0, n1} from the rest again after a `heal`, before any link comes up.
    static let cut = ["partition n0 n2", "partition n0 n3", "partition n0 n4", "partition n1 n2", "partition n1 n3", "partition n1 n4"]

    func flagged(_ script: RecordedScript, _ n: Int) -> Bool? {
        script.runner.cluster?.nodes[n].instance?.flags.contains(.generationUnconfirmed)
    }

    func convergesWithoutSplitBrain(_ script: RecordedScript) {
        let healed = ["heal", "stabilize", "tick 20", "stabilize"].flatMap { script.run($0) }
        #expect(healed.contains { $0.hasPrefix("n1: info: connected to node ") && $0.hasSuffix("by rule split-brain-self-unconfirmed-generation") },
                "n1, which acknowledged nothing in G1, yields it to the majority's sibling:\n\(script.text)")
        #expect(!script.trace.contains { $0.contains("split brain detected") }, "no split brain:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2,n3,n4 identical"], "they converge:\n\(script.text)")
        for n in 0 ... 4 {
            #expect(script.run("data n\(n) off=8192") == ["n\(n) off=8192: pattern=3"], "c3 (acknowledged) on n\(n):\n\(script.text)")
        }
    }

    @Test("a live Primary's handshake does not clear a replica's flag")
    func livePrimaryHandshake() {
        let script = RecordedScript()
        announcedToN1Only(script)
        #expect(script.result(2) == nil, "c2 waits (n0 without quorum):\n\(script.text)")
        #expect(script.result(3) == true, "c3 is acknowledged:\n\(script.text)")
        #expect(flagged(script, 1) == true, "n1 took G1's announcement and no write of it:\n\(script.text)")
        // n1 meets n0 again, n0 still Primary at G1: its handshake carries no flag.
        let met = (["partition n0 n1", "heal"] + Self.cut + ["stabilize"]).flatMap { script.run($0) }
        #expect(met.contains("link n0-n1 up"), "n0 and n1 connected again:\n\(script.text)")
        #expect(flagged(script, 1) == true, "n0's handshake says nothing of G1's writes:\n\(script.text)")
        convergesWithoutSplitBrain(script)
    }

    @Test("a peer flagged at the same generation does not clear the flag")
    func flaggedPeerHandshake() {
        let script = RecordedScript()
        announcedToN1Only(script, "cluster nodes=5 size=64K quorum=majority on-no-quorum=io-error")
        // n0 steps down (c2 fails, nothing of G1 acknowledged) and meets n1 again: two Secondaries
        // at G1, each with the flag.
        for line in ["admin n0 secondary", "stabilize", "partition n0 n1", "heal"] + Self.cut + ["stabilize"] {
            script.run(line)
        }
        #expect(script.result(2) == false, "c2 failed:\n\(script.text)")
        #expect(script.trace.contains("  link n0-n1 up"), "n0 and n1 connected again:\n\(script.text)")
        #expect(flagged(script, 0) == true && flagged(script, 1) == true, "n0 and n1 both still flagged at G1:\n\(script.text)")
        convergesWithoutSplitBrain(script)
    }

    /// New ground on main (found writing the test above): the end of a resync clears the target's
    /// flag (`ReplicaInstance+Resync.swift`, "It holds the source's data now") whatever the
    /// source's handshake said. Here n0, back from a crash at G1 flagged, is the equal-crashed
    /// target of n1, flagged at G1 too: neither ever held a write of G1, yet n0 ends the resync
    /// without the flag, and at the heal n0 (G1) and the majority (G2) both changed since G0: a
    /// split brain (StandAlone, n0 UpToDate with G1's data) where n0 should yield as n1 does. No
    /// acknowledged write is lost (G1 holds none); the cluster does not converge without an
    /// operator. Direction: the target takes the source's flag with its generations (the source's
    /// handshake at that current carried it; a live Primary never sends it, see the first test).
    @Test("a resync from a source flagged at the same generation keeps the target's flag")
    func resyncFromFlaggedSource() {
        do {
            let script = RecordedScript()
            announcedToN1Only(script)
            // n0 crashes with G1 on its disk, flagged, and meets n1 alone: the equal-crashed target.
            let met = (["crash n0", "restart n0"] + Self.cut + ["stabilize"]).flatMap { script.run($0) }
            #expect(met.contains("n0: info: connected to node 1 (n1): targetUseBitmap by rule equal-crashed-primary"),
                    "n0 is n1's resync target:\n\(script.text)")
            #expect(met.contains { $0.hasPrefix("n0: info: resync from node 1 (n1) finished") }, "the resync ends:\n\(script.text)")
            #expect(flagged(script, 1) == true, "n1 still flagged at G1:\n\(script.text)")
            #expect(flagged(script, 0) == true, "n0 took n1's data, and its flag, at G1:\n\(script.text)")
            convergesWithoutSplitBrain(script)
        }
    }
}
