import Testing
@testable import ReplicationCore

/// Simulation seed 2975 (LOST, protocol A, 4 nodes; traced in session 20 by review, reduced in
/// session 21). A node without a disk was voted in as Primary on data a writer had moved past.
///
/// In 2975: n2 crashed; n1 and n3 went Outdated on quorum loss at C08D; n0 was promoted with
/// their votes and started 1DBE (n2 absent). Outdated, n1 and n3 did not take 1DBE and noted C08D
/// superseded; they still took its writes. c8 (block 0) reached n3's disk; n0's and n1's disks
/// failed on it, so its one copy was on n3, Outdated at C08D. n1, diskless at C08D, then asked to
/// be promoted: n2 (back from its crash, UpToDate at C08D, never had 1DBE), n3 and n0 (diskless at
/// 1DBE, the writer of c8) voted yes, because `knowsNewerGeneration` exempted a requester without
/// a disk ("it writes through its UpToDate peers") and answered nothing for a voter without one.
/// n1's own check (seed 1900's `upToDatePeerBehindDisklessGeneration`) passed: n2 was at n1's
/// current. n1 started 7FC8 from C08D through n2, n3 was resynced from n2, and c8 was gone.
///
/// The fix (protocol 23): the promotion request names the generation of the data the requester
/// would expose (`PromotionRequest.dataGeneration`; for a diskless requester
/// `disklessDataGeneration`, the generation its first write chains from), and the voter judges a
/// requester without a disk by it, against its superseded list and history, as it judges a disk;
/// a voter without a disk judges too, by the generations its disk left it (n0 here).
///
/// Here the same cast with four nodes, protocol A: n2 down, n1 and n3 Outdated by quorum loss, n0
/// promoted with their votes writes c2 (block 0, pattern 8) in G1; n0's disk fails after c2 is
/// acknowledged (its metadata write fails), n1's is detached. n2 comes back at G0. n1 asks.
@Suite("Replication core: a diskless node promoted on data a writer moved past")
struct DisklessPromotedPastSupersededTests {
    /// Up to n1's request: c2 acknowledged in G1, its copies on n3 (Outdated at G0) and on the
    /// detached and failed disks of n1 and n0; n2 back, UpToDate at G0.
    static func setUp(_ script: RecordedScript) {
        // n1 and n3 lose quorum (each reaches only n0): Outdated at G0.
        script.outdatedVotersPromoteN0("cluster nodes=4 size=64K quorum=majority protocol=A")
        // c2 starts G1 (n2 absent); n1 and n3 take the write, not the generation. n0's disk
        // completes the generation's metadata and the write (protocol A: acknowledged), then fails
        // on the next metadata write.
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
    }

    @Test("a diskless requester at a generation a writer moved past is refused by the voters that know it")
    func disklessRequesterAtSupersededGeneration() {
        let script = RecordedScript()
        Self.setUp(script)
        #expect(script.result(2) == true, "c2 is acknowledged:\n\(script.text)")
        #expect(script.run("data n3 off=0") == ["n3 off=0: pattern=8"], "n3 holds c2:\n\(script.text)")
        #expect(script.run("data n2 off=0") == ["n2 off=0: pattern=1"], "n2 (back at G0) lacks c2:\n\(script.text)")
        // Each voter's own answer, as the request would carry it: n1 writes through n2, at G0.
        guard let cluster = script.runner.cluster, let requester = cluster.nodes[1].instance,
              let data = requester.disklessDataGeneration else {
            Issue.record("n1 reaches no UpToDate peer:\n\(script.text)")
            return
        }
        #expect(data == cluster.nodes[2].instance?.generations.current, "n1's data is n2's, at G0:\n\(script.text)")
        func refuses(_ voter: Int) -> Bool? {
            guard let instance = cluster.nodes[voter].instance, let i = instance.peerIndex(NodeID(1)) else { return nil }
            return instance.knowsNewerGeneration(than: i, data: data)
        }
        // n3 noted G0 superseded (it took G1's writes, not G1); n0, diskless, wrote G1 itself.
        #expect(refuses(3) == true, "n3 (Outdated, G0 superseded) refuses n1:\n\(script.text)")
        #expect(refuses(0) == true, "n0 (diskless at G1) refuses n1:\n\(script.text)")
        #expect(refuses(2) == false, "n2 (at G0, knows nothing newer) does not:\n\(script.text)")
        Self.expectN1Refused(script)
        // A new handshake between n2 and n3: promoted, n1's generation (a child of G0) made n3 the
        // full-sync target of n2, which lacks c2.
        script.run("partition n2 n3")
        script.run("stabilize")
        script.run("heal")
        script.run("stabilize")
        #expect(script.run("data n3 off=0") == ["n3 off=0: pattern=8"], "n3 keeps the acknowledged c2:\n\(script.text)")
    }

    /// Five nodes, protocol C. n1's disk is detached at G0 before n0 starts G1 (n2 down); n3 and
    /// n4 take G1 with c2. n0 crashes; n2 comes back at G0, cut off from n3 and n4. n1 reaches all
    /// three; it writes through n2, the one UpToDate peer at its own current G0, so its request
    /// names G0, which n3 and n4 hold in their history: they refuse. Exempt, they voted it in, and
    /// its first write started a child of G0 beside G1 (a split brain at n2's next handshake with
    /// n3). n1 itself cannot tell: its disk left before G1.
    @Test("a diskless requester writing through a peer behind a voter's history is refused")
    func disklessRequesterBehindVoterHistory() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=5 size=64K quorum=majority")
        Self.moveOnWithoutN1AndN2(script)
        script.run("partition n2 n3")
        script.run("partition n2 n4")
        script.run("restart n2")
        script.run("stabilize")
        #expect(script.run("data n2 off=4096") == ["n2 off=4096: pattern=0"], "n2 (G0) lacks c2:\n\(script.text)")
        Self.expectN1Refused(script)
        script.run("heal")
        let met = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(!met.contains { $0.contains("split brain detected") }, "split brain:\n\(script.text)")
    }

    /// The other side of the same rule: a diskless node whose disk left it at G0, while its
    /// UpToDate peers all moved on to G1, writes through G1. Judged by its own current, every
    /// peer holding G1 refused it for as long as its disk stayed away.
    @Test("a diskless requester whose disk left it behind is promoted on its peers' newer data")
    func disklessRequesterBehindItsPeers() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=5 size=64K quorum=majority")
        Self.moveOnWithoutN1AndN2(script)
        script.run("restart n2")
        script.run("stabilize")
        #expect(script.run("data n2 off=4096") == ["n2 off=4096: pattern=2"], "n2 was resynced to G1:\n\(script.text)")
        let (promotion, promoted) = script.promote(1)
        #expect(promoted, "n1 is promoted on G1:\n\(promotion)\n\(script.text)")
        script.run("write n1 off=8192 len=4096 pattern=9")
        script.run("stabilize")
        #expect(script.result(3) == true, "n1's write is acknowledged:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n2,n3,n4 identical"], "\(script.text)")
    }

    /// `admin n1 primary` is refused by a voter that knows newer data; promoted anyway (a
    /// mutation), n1 writes one block, so that what follows shows what its generation does.
    static func expectN1Refused(_ script: RecordedScript) {
        let (promotion, promoted) = script.promote(1)
        // n1 has no disk: no resync of its own to wait for. The refusal names the data it would
        // expose and what brings the newer writes to it.
        let refusal = promotion.first { $0.hasPrefix("n1: admin refused: node 1 (n1) has no disk and would expose the data of its UpToDate peers at generation ") }
        #expect(!promoted && refusal != nil, "n1 is not promoted on n2's data at G0:\n\(script.text)")
        #expect(refusal.map { $0.hasSuffix("connect it to a replica that holds them, or wait until the UpToDate replicas it reaches are resynced to them") && !$0.contains("wait for the resync") } != false,
                "the refusal says what a node without a disk waits for:\n\(refusal ?? "")")
        guard promoted else { return }
        script.run("write n1 off=8192 len=4096 pattern=9")
        script.run("stabilize")
    }

    /// n1's disk detached at G0, n2 down; n0 starts G1 with c2 (block 1, pattern 2) on n3 and n4,
    /// and crashes.
    static func moveOnWithoutN1AndN2(_ script: RecordedScript) {
        script.run("admin n1 detach")
        script.run("stabilize")
        script.run("crash n2")
        script.run("stabilize")
        script.run("write n0 off=4096 len=4096 pattern=2")
        script.run("stabilize")
        #expect(script.result(2) == true, "c2 is acknowledged in G1:\n\(script.text)")
        script.run("admin n0 secondary")
        script.run("stabilize")
        script.run("crash n0")
        script.run("stabilize")
    }
}
