import Testing
@testable import ReplicationCore

/// Simulation seed 683 (an acknowledged write lost), reduced. A diskless Primary (here a diskless
/// client, n2; in the seed a Primary whose disk had failed) writes blocks 0 and 4 while its link to
/// n1 breaks: n0 writes and acknowledges them, n1 never gets them. The writer has no bitmap of its
/// own: the only record that n1 lacks the writes is the out-of-sync ranges and the new generation
/// it sends n0 after the loss (`peerStoppedReceiving`). n0's write acknowledgements arrive first.
/// Acknowledged then, the writer's crash with those messages still queued left n0 and n1 UpToDate
/// at the same generation, no bit set, n0 holding the writes and n1 not; the survivors' writer-lost
/// exchange reconciles only the extents hot in their activity logs, and block 0's had cooled (a
/// later write into another extent evicted it). In the seed n0 then lost quorum (Outdated) and was
/// resynced from n1's side: the write was gone. Now the writer acknowledges such a write only once
/// an UpToDate peer answered a probe sent after those messages (`PendingRequest.ackProbe`).
///
/// DRBD gets there from the other end: a Secondary keeps each peer write until the Primary's
/// peer-ack names the nodes that have it, and marks the ones not yet peer-acked out of sync toward
/// all peers when it loses the Primary (`cleanup_unacked_peer_requests`); Tandem has no peer-ack.
@Suite("Replication core: a diskless writer's lost copy")
struct DisklessWriterLostCopyTests {
    final class Script: RecordedScript {
        /// A diskless Primary n2 has written block 0, then block 4: the replicas' single
        /// activity-log slot (16 KiB extents) has moved off block 0's extent.
        func writerWithCooledExtent() {
            run("cluster nodes=3 size=64K diskless=n2 al-extents=1")
            run("connect-all")
            run("stabilize")
            run("admin n0 primary force")
            run("stabilize")
            run("admin n0 secondary")
            run("stabilize")
            run("admin n2 primary")
            run("stabilize")
            run("write n2 off=0 pattern=1")
            run("stabilize")
            run("write n2 off=16384 pattern=3")
            run("stabilize")
            run("write n2 off=0 pattern=2")
            run("write n2 off=16384 pattern=4")
        }

        /// Up to the moment the writer's link to n1 breaks with n0's two write acknowledgements
        /// queued toward the writer (and its out-of-sync ranges queued toward n0).
        func lostCopy() {
            writerWithCooledExtent()
            // n0 applies both; its acknowledgements wait on the link, n1 gets nothing.
            run("stabilize hold-link=n2-n1,n0-n2")
            run("partition n2 n1")
        }
    }

    @Test("a diskless writer's crash after losing a peer loses no acknowledged write")
    func crashBeforeTheHolderKnows() {
        let script = Script()
        script.lostCopy()
        // n0's acknowledgements arrive; the out-of-sync ranges have not reached n0 yet.
        let acks = script.run("deliver n0 n2") + script.run("deliver n0 n2")
        let acknowledged = acks.filter { $0.hasPrefix("n2: client c") && $0.hasSuffix(" done") }
        #expect(acknowledged.isEmpty, "acknowledged before n0 knew that n1 missed the writes:\n\(script.text)")
        script.run("crash n2")
        script.run("heal")
        script.run("stabilize")
        // Whatever was acknowledged is on every UpToDate replica (here: nothing was).
        if !acknowledged.isEmpty {
            for n in 0 ..< 2 where script.runner.cluster?.nodes[n].instance?.diskState == .upToDate {
                #expect(script.runner.run("data n\(n) off=0") == ["n\(n) off=0: pattern=2"], "\(script.text)")
            }
        }
    }

    @Test("a diskless writer's lost-copy writes are acknowledged once the holder answered")
    func acknowledgedAfterTheProbe() {
        let script = Script()
        script.lostCopy()
        let after = script.run("stabilize")
        let acknowledged = after.filter { $0 == "n2: client c3 done" || $0 == "n2: client c4 done" }
        #expect(acknowledged.count == 2, "not acknowledged once n0 had the out-of-sync ranges:\n\(script.text)")
        // The acknowledged writes are on n0, which tracks both blocks toward n1 (bringing n1 up
        // from those bits is the resync's part, not checked here).
        #expect(script.runner.run("data n0 off=0") == ["n0 off=0: pattern=2"], "\(script.text)")
        #expect(script.runner.run("data n0 off=16384") == ["n0 off=16384: pattern=4"], "\(script.text)")
        let towardN1 = script.runner.cluster?.status(0)?.peerDevices.first { $0.peer == NodeID(1) }?.outOfSyncBytes ?? 0
        #expect(towardN1 >= 8192, "n0 does not track the writes n1 missed (\(towardN1) B):\n\(script.text)")
    }
    /// Simulation seed 696 (UpToDate replicas differ), reduced: the writer crashes with its last
    /// write applied on n0 and still queued toward n1. The survivors' writer-lost exchange
    /// reconciles their hot activity-log extents, and block 0's has cooled on n0 (a later write
    /// into extent 1 evicted it): both ended UpToDate, n0 with the write and n1 without. Nothing
    /// was acknowledged, but replicas must not differ. Now the extents of n0's writes whose peer
    /// ack had not come join its writer-lost exchange (DRBD's `cleanup_unacked_peer_requests`
    /// marks them; `ReplicaInstance+PeerAck`), so block 0 is resynced too.
    @Test("the survivors of a diskless writer's crash end identical")
    func survivorsIdenticalAfterWriterCrash() {
        let script = Script()
        script.writerWithCooledExtent()
        // n0 applies both; n1 gets neither before the writer crashes.
        script.run("stabilize hold-link=n2-n1")
        script.run("crash n2")
        script.run("stabilize")
        script.run("tick 20")
        script.run("stabilize")
        let upToDate = (0 ..< 2).filter { script.runner.cluster?.nodes[$0].instance?.diskState == .upToDate }
        #expect(upToDate.count == 2, "both survivors should end UpToDate:\n\(script.text)")
        #expect(script.run("compare") == ["UpToDate replicas n0,n1 identical"], "\(script.text)")
    }
}
