import Testing
@testable import ReplicationCore

/// Fixed in session 18 (`issueWaitingWrite`; simulation seed 2174, lost; found in session 17): a write that started while the
/// Primary's peers were there and reaches the disk after they are gone. `startWrite` passes
/// the gates (quorum, `needsNewGeneration`) and parks the write behind its activity-log
/// transaction (`.waitingMetadata`). When that metadata write completes,
/// `startWaitingRequests` calls `issueWrite` directly, and nothing asks those gates again:
///
/// - the write is issued although the node has lost quorum meanwhile (DRBD suspends a request
///   before it is submitted);
/// - it is issued in the old generation although the peers it would have reached are gone
///   (DRBD starts a new current UUID at the first write after the loss);
/// - it reaches no peer, so it has no lost copy, and neither the lost-copy hold nor
///   `lostCopyWithoutQuorum` applies.
///
/// When quorum returns, `checkDone` acknowledges it. Its one copy is this node's disk; its
/// peers are marked out of sync and get it by a resync that has not run yet. The Primary then
/// crashes and comes back a crashed Primary at that same old generation. With protocol C,
/// `equal-crashed-primary` makes it the target of any UpToDate peer at that generation: only a
/// crashed Primary's own unacknowledged writes should differ there, so its block is resynced
/// away. In 2174 the new generation that quorum's return started (for a later write) had not
/// reached n0's disk before the crash either.
///
/// The fix: a write whose metadata wait ends goes back through `startWrite`'s gates. Under
/// `suspend-io` it is held before it is issued, and under `io-error` it is failed. It starts
/// the new generation, and waits for that barrier, when `needsNewGeneration` was set
/// meanwhile. The write is issued after quorum returns, in a generation newer than the absent
/// peer's: n0 comes back at it and is the source. With the re-check off (main 62dd257) the last
/// check fails.
@Suite("Replication core: a write issued after the peers it started with are lost")
struct IssuedAfterPeerLossTests {
    @Test("a write held behind its activity-log transaction across a quorum loss is not acknowledged on this node's disk alone")
    func issuedAfterQuorumLoss() {
        let script = RecordedScript()
        // al-extents=1: a write into another 16 KiB extent waits for an activity-log transaction.
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority on-no-quorum=suspend-io al-extents=1")
        // c2 waits for n0's activity-log transaction (extent 3), which n0's disk does not complete yet.
        script.run("write n0 off=49152 len=4096 pattern=2")
        script.run("isolate n0")
        script.run("stabilize hold=n0")
        #expect(script.run("state").contains { $0.hasPrefix("n0:") && $0.contains("quorum:no") }, "n0 lost quorum:\n\(script.text)")
        // The transaction lands (and the header recording the quorum loss after it). On main c2 is
        // issued now, without quorum, and its local write completes (the third operation); it is
        // held. Not checked: a fix holds it before it is issued.
        script.run("complete n0 3")
        #expect(Self.acknowledged(2, script) != true, "nothing acknowledges c2 without quorum:\n\(script.text)")
        // n1 comes back, and quorum with it; n0's disk stays held, so no resync carries c2 yet.
        script.run("heal")
        script.run("partition n0 n2")
        script.run("stabilize hold=n0")
        // On main c2 is acknowledged here, held by n0's disk alone (n1 lacks it, marked out of sync).
        let acknowledged = Self.acknowledged(2, script) == true
        script.run("crash n0")
        script.run("restart n0")
        script.run("heal")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1,n2 identical"], "\(script.text)")
        let kept = (0 ... 2).allSatisfy { script.run("data n\($0) off=49152") == ["n\($0) off=49152: pattern=2"] }
        // Safe outcomes: c2 not acknowledged (held or failed), or acknowledged and kept.
        #expect(!acknowledged || kept, "acknowledged c2 lost:\n\(script.text)")
    }

    /// The client's result for request `id`: true done, false failed, nil still pending.
    static func acknowledged(_ id: UInt64, _ script: RecordedScript) -> Bool? {
        guard let result = script.runner.cluster?.completions[id] else { return nil }
        return result == .done
    }
}
