import DequeModule

/// DRBD's peer acknowledgements. A Secondary that applied a write cannot tell from the write
/// alone whether the writer's other peers got it too: the writer may be lost with its write
/// acknowledgements, out-of-sync ranges and new generation still queued. DRBD's Primary, once a
/// request is done on every node, says so (P_PEER_ACK), and a Secondary keeps each write in doubt
/// until then; losing the Primary first, it marks the writes still in doubt out of sync
/// (`cleanup_unacked_peer_requests`). Here the writer's next write carries the watermark below
/// which everything is done (`ReplicatedWrite.peerAckedBelow`), and the extents of the writes
/// still in doubt join the survivors' writer-lost exchange, which before reconciled only the
/// extents still hot in their activity logs (simulation seed 696: the survivors of a diskless
/// writer ended UpToDate and different on a block whose extent had cooled).
///
/// Measured and not kept (session 12): a message of its own per write (DRBD's P_PEER_ACK) with
/// the holders' mask, the Secondary marking its writes in doubt out of sync toward every other
/// peer on losing the writer as DRBD does. 696 passed, but 1…300 failed 34 (21 on main), with
/// split brains 192 226 258 and a lost write in 105; with the messages alone (no marking) 26,
/// the message per write moving every run's timing (fixed seed 25 ended with UpToDate replicas
/// differing). Bits toward an Established peer make both ends reconnect
/// (`resyncLeftoverBits`) where DRBD leaves them until the next resync.
/// A write completed to the client while peers still had it in hand (`writesAwaitingPeers`):
/// who still has it, and where it went and what it covers, to record a peer that lacks it.
struct WriteAwaitingPeers: Sendable {
    var peers: NodeSet
    var sentTo: NodeSet
    var offsetBytes: UInt64
    var lengthBytes: UInt64
}

extension ReplicaInstance {
    /// Writer side: every write with a smaller sequence is done on every node it went to. Not
    /// done: a write in flight, one completed early (lost quorum) whose peers have not answered
    /// (`writesAwaitingPeers`), and a protocol A write a peer has not confirmed (the client's
    /// acknowledgement came first; DRBD sends its peer ack only after the barrier ack).
    mutating func peerAckedBelow() -> UInt64 {
        while let first = issuedSequences.first, requestsBySequence[first] == nil, writesAwaitingPeers[first] == nil {
            issuedSequences.removeFirst()
        }
        var below = issuedSequences.first ?? nextWriteSequence
        for index in peers.indices {
            if let first = peers[index].unconfirmedWrites.first { below = min(below, first.sequence) }
        }
        return below
    }

    /// Writer side: `peer` answered (or dropped) write `sequence`, one completed early; once no
    /// peer has it in hand, it no longer holds the watermark back. A peer that failed it or
    /// dropped it (`lacksIt`) is recorded as lacking it first, as for a write still in flight,
    /// so the watermark passes it only behind the out-of-sync ranges (review's session 12 point:
    /// the request was gone, and nothing recorded that the peer lacked the write).
    mutating func peerAnsweredWrite(_ sequence: UInt64, peer: NodeID, lacksIt: Bool) {
        guard var awaiting = writesAwaitingPeers[sequence], awaiting.peers.remove(peer) else { return }
        if lacksIt {
            recordPeerLacksWrite(offsetBytes: awaiting.offsetBytes, lengthBytes: awaiting.lengthBytes,
                                 peer: peer, sentTo: awaiting.sentTo)
        }
        writesAwaitingPeers[sequence] = awaiting.peers.isEmpty ? nil : awaiting
    }

    /// Writer side: `peer` failed or dropped a write that went to the nodes in `sentTo`. Out of
    /// sync toward it here, and the other nodes that got the write are told, in the peers' order
    /// (the order it was sent to them in), ahead of any later write on each stream. DRBD's
    /// Primary says it in its peer ack (P_PEER_ACK's mask names the nodes that hold the write;
    /// each receiver marks the others): without it, a peer whose disk failed on the write could
    /// come back, be resynced from a replica that never knew, and end UpToDate without the write
    /// (seed 931's class; 931 itself also needs the survivor's side, see SimulationTests).
    mutating func recordPeerLacksWrite(offsetBytes: UInt64, lengthBytes: UInt64, peer: NodeID, sentTo: NodeSet) {
        guard lengthBytes > 0 else { return }
        markOutOfSync(offsetBytes: offsetBytes, lengthBytes: lengthBytes, toward: peer)
        let range = OutOfSyncRange(offsetBytes: offsetBytes, lengthBytes: lengthBytes, node: peer)
        for index in peers.indices where peers[index].id != peer && sentTo.contains(peers[index].id)
            && Self.receivesWrites(&peers[index]) {
            send(.outOfSync(range), to: peers[index].id)
        }
    }

    /// Secondary side, for each write received from writer `i`: the writes below its watermark
    /// are no longer in doubt; this one is until a later write says otherwise.
    mutating func notePeerWriteInDoubt(_ write: ReplicatedWrite, writer i: Int) {
        while let first = peers[i].unackedPeerWrites.first, first.sequence < write.peerAckedBelow {
            peers[i].unackedPeerWrites.removeFirst()
        }
        peers[i].unackedPeerWrites.append(UnackedPeerWrite(sequence: write.sequence, offsetBytes: write.offsetBytes,
                                                           lengthBytes: UInt64(write.lengthBytes)))
    }

    /// The connection to writer `i` ends and a diskful peer is out of the writer-lost exchange's
    /// reach (`writerLostExchangeCannotSettle`): nothing else says which of the writes still in
    /// doubt here it lacks (the writer's out-of-sync ranges die with the writer). Those this node
    /// wrote (`keptThrough`: not the queued ones it drops) are out of sync toward it, so the
    /// bitmap exchange of its next handshake, or of its disk's return, resyncs them. Without the
    /// bits, two survivors apart when they lost the writer met at one generation with nothing to
    /// resync, one holding the writer's last write and the other not, both UpToDate (seed 1686:
    /// the other's writer-lost died with the link between them; scenario
    /// writer_lost_apart_in_doubt_write); and a peer whose disk failed with a write in flight to
    /// it came back, resynced from a survivor that never knew, and served the block without the
    /// write as UpToDate (seed 931; scenario failed_disk_write_in_doubt_marked). Only writes held
    /// here: a dropped one marked makes this node, which lacks it, look like the side that tracks
    /// changes at equal generations (`equal-self-tracks-changes`), the resync source (measured:
    /// in crashed_replica_takes_new_generation only the lower node id then kept the acknowledged
    /// write). DRBD marks every request still waiting for its peer ack toward every peer
    /// (`cleanup_unacked_peer_requests`); a connected peer with a disk is left to the exchange,
    /// which sends the longer tail the right way, unless this node serves it a resync
    /// (`writerLostExchangeCannotSettle`: a target that got none of the writes settles nothing).
    mutating func markInDoubtWritesTowardUnreachedPeers(_ writes: Deque<UnackedPeerWrite>, keptThrough last: UInt64,
                                                        writer i: Int) {
        guard disk.hasDisk else { return }
        let held = writes.filter { $0.sequence <= last }
        guard !held.isEmpty else { return }
        for j in peers.indices where j != i && writerLostExchangeCannotSettle(peer: j) {
            for write in held {
                markOutOfSync(offsetBytes: write.offsetBytes, lengthBytes: write.lengthBytes, toward: peers[j].id)
            }
            if peers[j].isConnected {
                let why = peers[j].disk.hasDisk ? "the target of this node's resync" : "connected without a disk"
                log(.info, "lost Primary node \(peers[i].id) with \(held.count) write(s) in doubt: out of sync toward node \(peers[j].id) (\(peers[j].config.name)), \(why)")
            }
        }
    }

    /// Diskful peer `j` takes no part in this node's writer-lost exchange, which reaches only
    /// connected peers with a disk (`announceWriterLost`, `onWriterLost`): it is not connected
    /// (only one last seen at this node's generation or an ancestor of it: toward any peer, the
    /// marks moved the timing of seeds 64, a split brain of the diskless-Primary class, and 1641,
    /// no convergence, on main 5dd968c; known gap: a peer last seen behind, receiving the
    /// writer's writes as a resync target or Outdated, that dropped some, is not marked), or it
    /// is connected without a disk (it failed or detached; the bits start no resync until it
    /// has one again), or it takes a resync from this node (`servesResync`).
    ///
    /// The target's copy of a lost writer's writes does not count, and before session 21 the
    /// exchange settled it only if it got some of them itself: a target that got none sent no
    /// writer-lost and decided nothing on this node's (it now decides at tail 0:
    /// `tailOfLostWriter`, seed 3359; this marking stays, as the writer-lost can die with the
    /// link between the two). Seed 68: the diskless Primary n2 sent its first writes (block 12) to n1 and to n0,
    /// n1's Inconsistent resync target, and crashed; n1 wrote them, n0 never received them
    /// (its link to n2 dropped with them on it, and n2's out-of-sync ranges that said so
    /// died with n2), and n0's resync from n1 ended UpToDate without block 12
    /// (InDoubtWriteResyncTargetTests). Marked here, the resync carries them: bits the
    /// source sets after its bitmap went out go to the target when it says it is done
    /// (`onResyncFinished`). They only widen the resync: the target takes this node's data
    /// on those blocks anyway.
    ///
    /// An ancestor counts because a peer's last report lags: the writer's announcement of this
    /// node's current went to that peer too, and its state report saying it took it can die
    /// with the link between the two. Seed 2038: the diskless Primary n2 announced 8DE4→5BB0 to
    /// n0 and n1 and sent both write 5 (block 0); the n0–n1 link dropped with n0's report of
    /// 5BB0 on it, n2 crashed, n1 had written write 5 and n0 had dropped it from its queue, and
    /// n1, holding n0 at 8DE4, marked nothing: the two met at 5BB0 with nothing to resync and
    /// differed at block 0. The bits cost nothing where the peer did not take the announcement:
    /// this node is newer then, the source, and the bits only widen what it resyncs.
    func writerLostExchangeCannotSettle(peer j: Int) -> Bool {
        guard peers[j].bitmap != nil else { return false }
        if peers[j].isConnected { return !peers[j].disk.hasDisk || servesResync(to: j) }
        let seen = peers[j].current
        guard !seen.isNone else { return false }
        return seen.sameHistory(as: generations.current) || generations.historyHolds(seen)
    }

    /// The connection to writer `i` ends: the writes still in doubt may be missing on any other
    /// peer, which this node cannot know now. Their extents join the writer-lost exchange, so
    /// the survivors with different tails resync them whatever their activity logs still hold.
    mutating func takeInDoubtExtents(writer i: Int) -> [UInt32] {
        guard !peers[i].unackedPeerWrites.isEmpty else { return [] }
        var extents = Set<UInt32>()
        for write in peers[i].unackedPeerWrites {
            extents.formUnion(activityLog.extents(offsetBytes: write.offsetBytes, lengthBytes: write.lengthBytes))
        }
        peers[i].unackedPeerWrites = []
        return extents.sorted()
    }
}
