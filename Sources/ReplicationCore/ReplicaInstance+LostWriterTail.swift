import NIOCore

/// A protocol A writer's tail on a resync target (simulation seed 2060,
/// ProtocolATailWithinResyncTests). The survivors of a lost writer that are resyncing, one from
/// the other, resync the writer's hot extents from the source (`refetchLostWriterExtents`,
/// `reconcileWithinResync`): with protocol C right, since the writer acknowledged a write only
/// with a copy on an UpToDate replica, so what only the Inconsistent target holds was never
/// acknowledged. With protocol A the writer acknowledges after its own disk alone, and the
/// target's copy may be the only other one: resynced away from the source, it was lost once the
/// writer's disk followed a newer generation. So under protocol A the target holds its resync
/// (no request goes out, `driveResync`) from the loss until it knows the source's tail, sends the
/// source its own copy of each write beyond that tail, and goes on once the source has written
/// them: the refetched extents then bring the source's copy, which now holds them. The source
/// writes a copy only for a write its own tail ends before; with an equal or longer tail it holds
/// that write or a newer one of the same blocks.
///
/// The direction taken over the other one the issue named (a survivor with the longer tail
/// refusing its promotion vote to one with a shorter tail until they reconciled): without a way
/// for the data to reach the source, reconciled meant the writer's return, which may never come;
/// the vote is still held, but only for the round trip of the copies (`holdPromotionVote`): a
/// requester promoted before the source wrote them could write the blocks first and then be
/// overwritten by an older copy, or refuse it as Primary.
///
/// DRBD has no such step: its survivors resync the lost Primary's activity-log extents from the
/// sync source, and a protocol A write on the target only is lost with the Primary.
struct LostWriterTailHold: Sendable {
    var writer: NodeID
    /// The writer's writes this node wrote and still held in doubt at the loss (no peer ack: the
    /// source may lack them), in stream order.
    var writes: [UnackedPeerWrite]
    /// The tick the hold began: without the source's tail by the time the source would have
    /// noticed the loss too (a ping interval and timeout: it still has the writer, or got none
    /// of its writes and sends no writer-lost), it ends unsettled.
    var since: UInt64
    /// The source's writer-lost came and the copies beyond its tail went out.
    var decided = false
    /// Copies read or sent and not yet answered.
    var pushesOutstanding = 0
}

extension ReplicaInstance {
    /// Target side, on losing protocol A writer `writer` while resyncing from `j`: hold the
    /// resync until the source's tail is known (`pushLostWriterTail`). A reply to a request sent
    /// after one of these writes landed may carry the source's older blocks: those blocks are
    /// not written from it (they stay out of sync, fetched again after the hold).
    mutating func holdLostWriterTail(writer: NodeID, writes: [UnackedPeerWrite], source j: Int) {
        guard !writes.isEmpty, let w = peerIndex(writer), peers[w].config.replicationProtocol == .a,
              peers[j].resync?.isTarget == true else { return }
        for write in writes {
            Self.markOverlapped(&peers[j].resync!, offsetBytes: write.offsetBytes, lengthBytes: write.lengthBytes,
                                blockBytes: UInt64(config.bitmapBlockBytes))
        }
        peers[j].resync!.lostWriterTail = LostWriterTailHold(writer: writer, writes: writes, since: now)
        log(.info, "lost protocol A Primary node \(writer) with \(writes.count) write(s) in doubt during the resync from node \(peers[j].id) (\(peers[j].config.name)): the resync waits for its tail")
    }

    /// Target side: the source `j` sent its writer-lost (its tail). The writes held here beyond
    /// it are read back and sent to it; with none, the resync goes on at once.
    mutating func pushLostWriterTail(_ lost: WriterLost, source j: Int) {
        guard let resync = peers[j].resync, resync.isTarget, var hold = resync.lostWriterTail,
              hold.writer == lost.writer, !hold.decided else { return }
        hold.decided = true
        let beyond = hold.writes.filter { $0.sequence > lost.lastSequence }
        hold.pushesOutstanding = beyond.count
        peers[j].resync!.lostWriterTail = hold
        guard !beyond.isEmpty else { return releaseLostWriterTail(j, "its tail \(lost.lastSequence) holds every write in doubt here") }
        log(.info, "lost protocol A Primary node \(lost.writer): this node got \(lastWriterSequence[lost.writer] ?? 0), its resync source node \(peers[j].id) (\(peers[j].config.name)) \(lost.lastSequence); sending it \(beyond.count) write(s)")
        for write in beyond {
            let length = UInt32(write.lengthBytes)
            submitData({ .read(id: $0, offsetBytes: write.offsetBytes, lengthBytes: length) },
                       offsetBytes: write.offsetBytes, lengthBytes: write.lengthBytes, isWrite: false,
                       purpose: .lostTailRead(to: peers[j].id, session: resync.session, writer: lost.writer,
                                              sequence: write.sequence, offsetBytes: write.offsetBytes, lengthBytes: length))
        }
    }

    mutating func onLostTailRead(to peer: NodeID, session: UInt64, writer: NodeID, sequence: UInt64, offsetBytes: UInt64,
                                 lengthBytes: UInt32, result: StorageResult) {
        var tail = LostWriterTail(writer: writer, sequence: sequence, kind: .zeroes, offsetBytes: offsetBytes,
                                  lengthBytes: lengthBytes, data: ByteBuffer())
        switch result {
        case .data(let data): if !Self.isAllZero(data) { tail.kind = .data; tail.data = ByteBuffer(bytes: data) }
        case .failed: return diskFailed()
        case .done: preconditionFailure("read completed without data")
        }
        guard let j = peerIndex(peer), peers[j].transportUp, peers[j].resync?.session == session,
              peers[j].resync?.lostWriterTail != nil else { return }
        send(.lostWriterTail(tail), to: peer)
    }

    mutating func onLostWriterTailAck(_ ack: LostWriterTailAck, peer j: Int) {
        guard var hold = peers[j].resync?.lostWriterTail, hold.writer == ack.writer, hold.pushesOutstanding > 0 else { return }
        hold.pushesOutstanding -= 1
        peers[j].resync!.lostWriterTail = hold
        if !ack.applied { log(.info, "node \(peers[j].id) (\(peers[j].config.name)) did not take write \(ack.sequence) of lost Primary node \(ack.writer)") }
        if hold.pushesOutstanding == 0 { releaseLostWriterTail(j, "it holds them") }
    }

    mutating func releaseLostWriterTail(_ j: Int, _ why: String) {
        guard let hold = peers[j].resync?.lostWriterTail else { return }
        peers[j].resync!.lostWriterTail = nil
        log(.info, "the resync from node \(peers[j].id) (\(peers[j].config.name)) goes on after the loss of Primary node \(hold.writer): \(why)")
    }

    /// Target side, each tick: a hold whose source sent no tail by the time it would have lost
    /// the writer too ends; the resync goes on as without it (the writes are fetched from the
    /// source).
    mutating func expireLostWriterTail(_ j: Int) {
        guard let hold = peers[j].resync?.lostWriterTail, !hold.decided,
              now - hold.since > UInt64(config.pingIntervalTicks + config.pingTimeoutTicks) else { return }
        releaseLostWriterTail(j, "no tail came from it")
    }

    /// Any resync here waits on a lost writer's tail: promotion votes wait too.
    var holdsLostWriterTail: Bool { peers.contains { $0.resync?.lostWriterTail != nil } }

    /// Source side: a target's copy of a write of the lost writer. Taken only while this node
    /// is still the target's UpToDate source with no writer connected, having lost the writer
    /// too, with its own tail ending before the write. Its peers but the target get the blocks
    /// out of sync (the copy reached no other), and it is written in turn with the peer writes
    /// (the activity log covers it); the answer goes once it is on disk.
    mutating func onLostWriterTail(_ tail: LostWriterTail, peer i: Int) {
        let length = UInt64(tail.lengthBytes)
        guard tail.lengthBytes > 0, peerRangeFits(offsetBytes: tail.offsetBytes, lengthBytes: tail.lengthBytes) else {
            return protocolError(i, "sent a lost writer's write beyond the end of the volume")
        }
        guard disk == .upToDate, role != .primary, peers[i].resync?.isTarget == false,
              let mine = lastWriterSequence[tail.writer], mine < tail.sequence,
              !peers.contains(where: { $0.isConnected && $0.role == .primary }) else {
            send(.lostWriterTailAck(LostWriterTailAck(writer: tail.writer, sequence: tail.sequence, applied: false)), to: peers[i].id)
            return
        }
        log(.info, "writing node \(peers[i].id)'s (\(peers[i].config.name)) copy of write \(tail.sequence) of lost Primary node \(tail.writer) (this node got \(mine))")
        for j in peers.indices where j != i {
            markOutOfSync(offsetBytes: tail.offsetBytes, lengthBytes: length, toward: peers[j].id)
        }
        let write = ReplicatedWrite(sequence: tail.sequence, kind: tail.kind, offsetBytes: tail.offsetBytes, lengthBytes: tail.lengthBytes,
                                    data: tail.data, fua: true, wantsAck: false, notReplicatedTo: 0)
        var op = QueuedPeerOp(from: peers[i].id, kind: .write(write))
        op.lostTailOf = tail.writer
        peerQueue.append(op)
    }

    mutating func onLostTailWritten(from peer: NodeID, writer: NodeID, sequence: UInt64, extents: ClosedRange<UInt32>,
                                    result: StorageResult) {
        let applied = endPeerWrite(extents: extents, result: result)
        guard let i = peerIndex(peer), peers[i].transportUp else { return }
        send(.lostWriterTailAck(LostWriterTailAck(writer: writer, sequence: sequence, applied: applied)), to: peer)
    }
}
