import Testing
@testable import ReplicationCore

/// Simulation seed 2698 (split brain, 3 nodes, protocol C; reduced and fixed in session 19; 2656
/// is the same class). A disk that failed while a Primary wrote comes back from its failure record
/// (`MetadataFlags.diskFailed`) UpToDate at the generation it failed at, G. Before session 19's
/// and 20's fixes below, against an Inconsistent peer it was the source (`equal-peer-inconsistent`,
/// or `peer-bitmap-is-my-current` when the peer is older), and it was promotable
/// (ReplicaInstance+FailureRecord.swift says where it still is). The Inconsistent peer voted for it: it had learnt the
/// writer's generations past G from a handshake, not from an announcement whose parent is G, so G
/// was not in its `supersededGenerations` and `knowsNewerGeneration` said nothing against the
/// requester. The failed disk lacks every write acknowledged since G (the Inconsistent peer was
/// part of that majority), resyncs them away on its target, and its first write as Primary started
/// a child of G beside the writer's.
///
/// Here (n0 the writer, n1 the failing disk, n2 the voter; 2698 was n2, n1, n0): n1's disk fails
/// on c2 at G0 (record: UpToDate at G0, `diskFailed`), n0 starts G1 with n1 absent, and the
/// announcement to n2 is lost with the n0–n2 link. n2 comes back as n0's full-sync target,
/// Inconsistent at G0, and acknowledges c3 (n0 starts G2 for it); n0 crashes with 60 of the
/// resync's 64 KiB still to go. n1 restarts with its disk attached from the record: UpToDate at G0
/// (`reason:failed-disk`), the source for n2 at their equal G0, which drops c3. On main a310c44 n2
/// voted n1 in, n1 wrote c4 in a child of G0 absent n0, and n0 returned at G2: a split brain with
/// n1 and n2, the acknowledged c3 on n0 alone.
///
/// 2698 itself (SIM_TRACE=1 SIM_TIMELINE=1, step 1433–1634): n1, whose disk failed at
/// 5C9C77A7 (flags 0x41) while n2 was Primary, was a diskless Primary at A01712E6 with n0
/// (Inconsistent SyncTarget at 40B9A978) and n2; it crashed and restarted with the disk from its
/// record, UpToDate at 5C9C77A7; n0 took it as its source (`peer-bitmap-is-my-current`) and voted
/// it in; it started 210A816B from 5C9C77A7 absent=[2] while n2 held A01712E6 (the
/// announcement 5C9C77A7→A13496CB to n0 was lost in a link drop; n0 learnt A13496CB by
/// handshake and noted only A13496CB and 554E185C superseded). At the heal n1 and n2 stopped at a
/// split brain (44 KiB / 56 KiB changed since 5C9C77A7).
///
/// The fix (the voter's side): the handshake that makes a node the resync target of a peer whose
/// history runs through its current notes that current and the generations between as
/// superseded (`noteSupersededGenerations(passedBy:)`), as the lost announcement would have: n2
/// (here) refuses n1 at G0. Mutation: with that call removed the checks below fail 4 ways
/// (promoted, split brain, c3 on n1 and n2).
///
/// The record's side (session 20; protocol 22): n1 still served n2 (`equal-peer-inconsistent`),
/// which ended UpToDate at G0 without c3, on the down n0 alone until it returned. DRBD attaches
/// such a disk Outdated (it clears MDF_WAS_UP_TO_DATE in the record written while the disk is
/// Failed, `primary_and_data_present`); attaching it Outdated outright here cost 1…300 21 → 28 in
/// session 13 (clusters whose only consistent disk came back from a record could not start).
/// Instead the handshake carries the sender's superseded generations and whether, Inconsistent, it
/// took a newer writer's writes (n2's c3), and such a peer that knows the failed disk's generation
/// was moved past is not its target: neither serves the other
/// (`peer-inconsistent-past-my-failed-disk`, `GenerationComparison.compare`) until a resync from
/// the newer replica ends on either. Mutations: with that rule off, or with `tookNewerWrites`
/// never set, the check on the rule and `data n2 off=8192` after n1's restart fail.
@Suite("Replication core: a disk re-attached from its failure record neither serves nor is promoted over an Inconsistent peer that moved past it")
struct FailedDiskReattachedPromotedTests {
    @Test("a disk that failed at G and came back from its record does not serve or get promoted over writes acknowledged since G")
    func reattachedFailedDiskPromoted() {
        let script = RecordedScript()
        script.primaryWroteBlockZero("cluster nodes=3 size=64K quorum=majority")
        // n1's disk fails on c2 (its record: UpToDate at G0, diskFailed); n0 starts G1 with n1
        // absent. n0's messages to n2 (c2, the announcement) wait on the link, and are lost with it.
        script.run("fail-writes n1 1")
        script.run("write n0 off=4096 len=4096 pattern=2")
        script.run("stabilize hold-link=n0-n2")
        #expect(script.run("metadata n1").contains { $0.contains("flags=0x41") }, "n1's record says diskFailed:\n\(script.text)")
        script.run("partition n0 n2")
        script.run("stabilize")
        script.run("heal")
        // n2 meets n0 at G1 by handshake: a full-sync target, Inconsistent at G0. Its disk holds
        // the resync back while c3 (G2) is written and acknowledged with n2's copy.
        script.run("stabilize hold=n2")
        script.run("write n0 off=8192 len=4096 pattern=3")
        script.run("stabilize hold=n2")
        script.run("complete n2 20")
        script.run("stabilize hold=n2")
        #expect(script.result(3) == true, "c3 is acknowledged with n0's and n2's copies:\n\(script.text)")
        #expect(script.run("state").contains { $0.hasPrefix("n2:") && $0.contains("disk:Inconsistent") }, "n2's resync is not done:\n\(script.text)")
        #expect(script.runner.cluster?.nodes[2].instance?.tookNewerWrites == true, "n2 took c3 of G2 at G0:\n\(script.text)")
        // n0 crashes mid-resync; n1 restarts with its disk attached from the failure record.
        script.run("crash n0")
        script.run("stabilize")
        script.run("crash n1")
        // n1 is back UpToDate at G0 from its record; n2, Inconsistent, knows G0 was moved past:
        // neither is the other's source, and n2 keeps c3 until n0 is back.
        let back = script.run("restart n1") + script.run("stabilize")
        #expect(back.contains { $0.contains("rule peer-inconsistent-past-my-failed-disk") }, "n1 is not n2's source:\n\(script.text)")
        #expect(script.run("data n2 off=8192") == ["n2 off=8192: pattern=3"], "n2 keeps c3:\n\(script.text)")
        let (promotion, promoted) = script.promote(1)
        // n2 learnt from n0's handshake that G0 was moved past: it refuses n1, the only other
        // vote n1 could reach.
        #expect(!promoted && promotion.contains { $0.hasPrefix("n1: admin refused: node 1 (n1) has not yet received the newer data of node 2 (n2)") },
                "n1 is not promoted at G0 on n2's vote:\n\(script.text)")
        if promoted {
            script.run("write n1 off=12288 len=4096 pattern=4")
            script.run("stabilize")
        }
        script.run("restart n0")
        let met = script.run("stabilize") + script.run("tick 20") + script.run("stabilize")
        #expect(!met.contains { $0.contains("split brain detected") }, "split brain:\n\(script.text)")
        for n in 0 ... 2 {
            #expect(script.run("data n\(n) off=8192") == ["n\(n) off=8192: pattern=3"], "acknowledged c3 on n\(n):\n\(script.text)")
        }
        // n2's resync from n0 ended: it holds G2 now, and the flag (which only an Inconsistent
        // node's handshake carries) ends with it. Kept, an Inconsistent episode of n2's later
        // (an invalidate, a new resync) would refuse a failed disk as its source for writes it
        // no longer holds apart from the others (mutation: without the reset in
        // `adoptGenerations` this check fails).
        let n2 = script.runner.cluster?.nodes[2].instance
        #expect(n2?.diskState == .upToDate && n2?.tookNewerWrites == false, "n2's flag ends with its resync:\n\(script.text)")
    }
}
