import DequeModule

extension ReplicaInstance {
    mutating func onReplicatedWrite(_ write: ReplicatedWrite, from i: Int) {
        let id = Self.nodeID(&peers[i])
        guard write.lengthBytes > 0, peerRangeFits(offsetBytes: write.offsetBytes, lengthBytes: write.lengthBytes),
              write.kind != .data || write.data.readableBytes == Int(write.lengthBytes) else {
            return protocolError(i, "sent a malformed write (offset \(write.offsetBytes), length \(write.lengthBytes), \(write.data.readableBytes) B of data)")
        }
        let length = UInt64(write.lengthBytes)
        guard write.sequence > peers[i].lastSequenceReceived else {
            return protocolError(i, "sent write \(write.sequence) after \(peers[i].lastSequenceReceived)")
        }
        peers[i].lastSequenceReceived = write.sequence
        noteApplicationWrite()
        guard disk.hasDisk, role != .primary else {
            if role == .primary { log(.error, "node \(id) sent a write while this node is Primary; refused") }
            if write.wantsAck { send(.writeAck(WriteAck(sequence: write.sequence, success: false)), to: id) }
            return
        }
        notePeerWriteInDoubt(write, writer: i)
        var clearedFlagVersion: UInt64 = 0
        if flags.contains(.generationUnconfirmed), mut("F2b") || peers[i].current.sameHistory(as: generations.current) {
            // A write issued in the generation this node took from its writer: the writer's
            // header holding it was durable before (`onNewGeneration`), so the writer cannot
            // have forgotten it, and this node may hold acknowledged writes of it from here on.
            // The write reaches the disk (and is answered) only after the header without the
            // flag: the writer acknowledges on this answer without waiting for its own clear
            // (`generationConfirmedOnDisk`), which is right only while the answering replica's
            // clear is durable. Answered first, a crash brought it back flagged beside its writer,
            // flagged too, and both yielded the acknowledged write to an unconfirmed sibling
            // (SecondaryStaleFlagTests). One header per generation on each replica.
            flags.remove(.generationUnconfirmed)
            clearedFlagVersion = markMetadataDirty()
        }
        confirmSupersededAwaitingWrite()
        // Peers are read in place below (static helpers taking `inout`): `peers[j].bitmap != nil`
        // or `peers[j].resync?.isTarget` in a `where` clause copied each whole peer record (its
        // bitmap, tables and resync state retained, then released), per peer and per write:
        // 2 % of a peer's CPU at queue depth 32.
        if write.notReplicatedTo != 0 {
            // Track the write for diskful nodes the writer cannot reach, so that this node can
            // bring them up to date later.
            for j in peers.indices where Self.tracksAbsent(&peers[j], notReplicatedTo: write.notReplicatedTo) {
                peers[j].bitmap!.set(peers[j].bitmap!.blocks(offsetBytes: write.offsetBytes, lengthBytes: length))
                noteBitsSet(toward: j, offsetBytes: write.offsetBytes, lengthBytes: length)
            }
        }
        // A resync reply requested before this write may carry older data for the blocks it
        // touches: those are not written from the reply.
        for j in peers.indices where Self.isResyncTarget(&peers[j]) {
            Self.markOverlapped(&peers[j].resync!, offsetBytes: write.offsetBytes, lengthBytes: length,
                                blockBytes: UInt64(config.bitmapBlockBytes))
        }
        var op = QueuedPeerOp(from: id, kind: .write(write))
        op.neededVersion = mut("R1") ? 0 : clearedFlagVersion
        if write.kind != .trim, Self.isResyncTarget(&peers[i]),
           write.notReplicatedTo & (1 << UInt32(id.rawValue)) == 0 {
            // The writer is this node's resync source: once written here, the blocks it covers
            // hold what the source holds (`onPeerWriteDone`). Not when the writer's own disk
            // missed the write (detached: this node tracks it toward the writer, above), nor
            // for a trim: what a discarded range reads as may differ between backing stores.
            op.bringsInSync = ResyncCoverage(session: peers[i].resync!.session, offsetBytes: write.offsetBytes,
                                             lengthBytes: write.lengthBytes)
        }
        peerQueue.append(op)
        if write.notReplicatedTo != 0 { abandonResyncFromSourceMissing(write, writer: i) }
    }

    static func nodeID(_ peer: inout PeerState) -> NodeID { peer.config.nodeID }

    /// `peer` has a bitmap and is among the nodes a write was not replicated to.
    static func tracksAbsent(_ peer: inout PeerState, notReplicatedTo: UInt32) -> Bool {
        peer.bitmap != nil && notReplicatedTo & (1 << UInt32(peer.config.nodeID.rawValue)) != 0
    }

    static func markOverlapped(_ resync: inout ResyncProgress, offsetBytes: UInt64, lengthBytes: UInt64, blockBytes: UInt64) {
        for k in resync.outstanding.indices {
            let start = resync.outstanding[k].offsetBytes, end = start + UInt64(resync.outstanding[k].lengthBytes)
            if start < offsetBytes + lengthBytes && offsetBytes < end {
                let from = max(start, offsetBytes), to = min(end, offsetBytes + lengthBytes)
                resync.outstanding[k].noteNewerWrite(from / blockBytes ..< (to + blockBytes - 1) / blockBytes)
            }
        }
    }

    /// This node resyncs from a source the writer could not send `write` to: the source lacks
    /// it (and, at the writer's new generation, every write that follows), so a reply for a
    /// request sent after this write reached the disk here carries older data and overwrites
    /// it, and the resync would end UpToDate at the source's older generation without the
    /// write, which the writer acknowledged with this node's copy. DRBD calls such a resync
    /// unstable and does not let it make the target UpToDate (`was_resync_stable`); here it
    /// stops at once and the writer, UpToDate and connected, becomes the source. The source is
    /// renegotiated: it waits (paused) behind the writer's resync and is brought up to the
    /// writer's generation after it.
    mutating func abandonResyncFromSourceMissing(_ write: ReplicatedWrite, writer i: Int) {
        guard let s = peers.indices.first(where: { $0 != i && peers[$0].resync?.isTarget == true }),
              write.notReplicatedTo & (1 << UInt32(peers[s].id.rawValue)) != 0 else { return }
        abandonResync(from: s, missingWritesOf: i)
    }

    /// This node resyncs from `s`, which lacks writes of writer `i` that this node holds (a
    /// write not replicated to `s`, or one `i` says `s` lacks: `onOutOfSync`): stopped, and
    /// resynced from `i` if it is UpToDate (`abandonResyncFromSourceMissing`).
    mutating func abandonResync(from s: Int, missingWritesOf i: Int) {
        guard peers[i].disk == .upToDate, peers[s].resync?.isTarget == true else { return }
        log(.warning, "resync from node \(peers[s].id) (\(peers[s].config.name)) abandoned: writer node \(peers[i].id) (\(peers[i].config.name)) cannot replicate to it, so it lacks writes this node holds; resyncing from the writer instead")
        dropConnection(s, standAlone: false, renegotiate: true)
        if peers[i].replication == .pausedSyncT { startResync(i, asTarget: true) }
    }

    /// Start queued peer writes and barriers in arrival order. The head is taken out of the
    /// queue (a move) and put back in front when it must wait. Read in place it was copied
    /// whole: the deque's subscript returns a copy, so each field read of `peerQueue[0]` retained
    /// and released the write's payload, five times per write (`while let head =
    /// peerQueue.first`, before that, copied it on every pass too).
    mutating func processPeerQueue() {
        while var op = peerQueue.popFirst() {
            if case .flush(let number) = op.kind {
                let from = op.from
                let busy = storageInFlight.values.contains { entry in
                    if case .peerWrite(let writer, _, _, _, _) = entry.purpose { return writer == from }
                    return false
                }
                if busy {
                    peerQueue.prepend(op)
                    return
                }
                if disk.hasDisk {
                    issueFlush(purpose: .peerFlush(from: from, number: number))
                } else {
                    send(.flushAck(FlushAck(number: number, success: false)), to: from)
                }
                continue
            }
            guard case .write(let write) = op.kind else { preconditionFailure("a queued op is neither a write nor a flush") }
            if op.extents == nil {
                let extents = activityLog.extents(offsetBytes: write.offsetBytes, lengthBytes: UInt64(write.lengthBytes))
                guard activityLog.canActivate(extents) else {
                    peerQueue.prepend(op)
                    return
                }
                op.extents = extents
                op.neededVersion = max(op.neededVersion, writeBarrierVersion, activateExtents(extents))
            }
            guard let extents = op.extents, metadataDurable(op.neededVersion) else {
                peerQueue.prepend(op)
                return
            }
            let purpose: StoragePurpose = op.lostTailOf.map {
                .lostTailWrite(from: op.from, writer: $0, sequence: write.sequence, extents: extents)
            } ?? .peerWrite(from: op.from, sequence: write.sequence, wantsAck: write.wantsAck, extents: extents,
                            bringsInSync: op.bringsInSync)
            submitData({ storageWriteAction(id: $0, kind: write.kind, offsetBytes: write.offsetBytes,
                                            lengthBytes: write.lengthBytes, data: write.data, fua: write.fua) },
                       offsetBytes: write.offsetBytes, lengthBytes: UInt64(write.lengthBytes), isWrite: true, purpose: purpose)
        }
    }

    mutating func onPeerWriteDone(from: NodeID, sequence: UInt64, wantsAck: Bool, extents: ClosedRange<UInt32>,
                                  bringsInSync: ResyncCoverage?, result: StorageResult) {
        let success = endPeerWrite(extents: extents, result: result)
        guard let i = peerIndex(from), peers[i].transportUp else { return }
        if success, let covered = bringsInSync { markInSyncByWrite(covered, source: i) }
        if success && disk == .inconsistent && !peers[i].current.sameHistory(as: generations.current) { tookNewerWrites = true }
        if wantsAck { send(.writeAck(WriteAck(sequence: sequence, success: success)), to: from) }
    }

    /// A peer's write (or a resync target's copy of a lost writer's, `onLostTailWritten`) is done
    /// here: its activity-log extents end, and a failed one fails the disk. True if it succeeded.
    mutating func endPeerWrite(extents: ClosedRange<UInt32>, result: StorageResult) -> Bool {
        if disk.hasDisk { activityLog.end(extents) }
        guard case .failed = result else { return true }
        diskFailed()
        return false
    }

    mutating func onPeerFlushDone(from: NodeID, number: UInt64, result: StorageResult) {
        var success = true
        if case .failed = result {
            success = false
            diskFailed()
        }
        guard let i = peerIndex(from), peers[i].transportUp else { return }
        send(.flushAck(FlushAck(number: number, success: success)), to: from)
    }

    /// A range a peer names (a write, a read, a resync or verify request, a lost writer's copy)
    /// is within the volume and the request bound. `offset + length` is never computed: a
    /// peer's values could overflow it.
    func peerRangeFits(offsetBytes: UInt64, lengthBytes: UInt32) -> Bool {
        lengthBytes <= config.requestBytesMax && offsetBytes <= config.sizeBytes
            && UInt64(lengthBytes) <= config.sizeBytes - offsetBytes
    }

    // MARK: Reads for peers

    mutating func onRemoteReadRequest(_ request: RemoteReadRequest, peer i: Int) {
        guard request.lengthBytes > 0, peerRangeFits(offsetBytes: request.offsetBytes, lengthBytes: request.lengthBytes) else {
            return protocolError(i, "asked to read beyond the end of the volume")
        }
        guard disk == .upToDate else {
            send(.readReply(RemoteReadReply(id: request.id, status: .failed, data: [])), to: peers[i].id)
            return
        }
        submitData({ .read(id: $0, offsetBytes: request.offsetBytes, lengthBytes: request.lengthBytes) },
                   offsetBytes: request.offsetBytes, lengthBytes: UInt64(request.lengthBytes), isWrite: false,
                   purpose: .remoteRead(for: peers[i].id, request: request))
    }

    mutating func onRemoteReadServed(for peer: NodeID, request: RemoteReadRequest, result: StorageResult) {
        var reply = RemoteReadReply(id: request.id, status: .failed, data: [])
        switch result {
        case .data(let data): reply = RemoteReadReply(id: request.id, status: .ok, data: data)
        case .failed: diskFailed()
        case .done: preconditionFailure("read completed without data")
        }
        guard let i = peerIndex(peer), peers[i].transportUp else { return }
        send(.readReply(reply), to: peer)
    }

    // MARK: Primary lost

    /// This Secondary lost the Primary `writer`: tell the other peers how far its write stream got
    /// here, so survivors with different tails reconcile the hot extents and the extents of the
    /// writes still in doubt here (`inDoubt`, `takeInDoubtExtents`). A peer that lost the writer
    /// too decides on it (`onWriterLost`); the writer-losts this node kept while it still had the
    /// writer (`deferWriterLost`) are decided here now, on the tail and stream start it just sent
    /// those peers, which decide on it in turn: both ends on the same two messages.
    mutating func announceWriterLost(writer: NodeID, lastSequence: UInt64, inDoubt: [UInt32],
                                     inDoubtWritten: [UnackedPeerWrite], streamStart: UInt64) {
        let deferred = deferredWriterLosts.removeValue(forKey: writer) ?? [:]
        guard disk.hasDisk else { return }
        lostWriterInDoubtExtents[writer] = inDoubt
        lostWriterStreamStart[writer] = streamStart
        let lost = WriterLost(writer: writer, lastSequence: lastSequence,
                              hotExtents: ownWriterLostExtents(writer), streamStart: streamStart)
        var sentTo: Set<NodeID> = []
        for peer in peers where peer.isConnected && peer.id != writer && peer.bitmap != nil {
            send(.writerLost(lost), to: peer.id)
            sentTo.insert(peer.id)
        }
        writerLostsSent[writer] = sentTo
        lastWriterSequence[writer] = lastSequence
        for j in peers.indices where peers[j].id != writer && peers[j].resync?.isTarget == true {
            refetchLostWriterExtents(lost, source: j)
            holdLostWriterTail(writer: writer, writes: inDoubtWritten, source: j)
        }
        // A peer this announcement did not reach decides nothing, so neither does this node. A
        // peer at another history is not renegotiated with here as `onWriterLost` would: a
        // writer-lost that arrived while the writer was still connected never was; doing it now
        // (measured, session 13) changed promotion_vote_knows_newer's refusal and
        // quorum_lost_primary_yields' resyncs.
        for (peer, theirs) in deferred.sorted(by: { $0.key < $1.key }) {
            guard let j = peerIndex(peer), sentTo.contains(peer),
                  peers[j].resync != nil || peers[j].current.sameHistory(as: generations.current) else { continue }
            writerLostsSent[writer]?.remove(peer)
            decideWriterLost(theirs, peer: j)
        }
    }

    /// A peer lost the writer while this node still has it as a connected Primary (the link cut
    /// on the peer's side only, or this node has not noticed yet). This node's tail is still
    /// growing and `lastWriterSequence` holds a previous stream's, which the peer never sees:
    /// deciding on it was one-sided. In the faults tier's quorum heal (session 12, 2c6ebff) n3
    /// reconciled as target by its old tail (3573 against n2's 7904), then lost the writer and
    /// sent its real tail (7904); n2 saw equal tails, an earlier stream start of its own, and
    /// started a second resync toward n3, which n3 never ran. The message waits for this node's
    /// own loss of the writer (`announceWriterLost`): both ends then compare the tails and stream
    /// starts they sent each other. If the writer is no longer Primary when this node loses it
    /// (it demoted), this node sends no writer-lost and the kept ones are dropped: the peer, which
    /// gets none from this node, decides nothing either, and the writer, alive, holds the bits.
    /// If the sender gets the writer back first, it withdraws the message
    /// (`withdrawWriterLostIfWriterBack`): decided later, it would be decided here alone, on the
    /// sender's old tail, while the sender, with the writer, kept this node's (review's session 13
    /// point; WriterLostAgreementTests' reconnected case).
    mutating func deferWriterLost(_ lost: WriterLost, peer i: Int) {
        deferredWriterLosts[lost.writer, default: [:]][peers[i].id] = lost
        log(.info, "node \(peers[i].id) (\(peers[i].config.name)) lost Primary node \(lost.writer) at its write \(lost.lastSequence); this node still has it and reconciles when it loses it too")
    }

    /// This node, an Inconsistent resync target, applied writes of a Primary it just lost. Its
    /// copy never counted toward their acknowledgement (only an UpToDate replica's does), and
    /// the source may lack the last of them: the source is the copy to keep, as in
    /// `reconcileWithinResync`. Not so under protocol A, where the writer acknowledged on its own
    /// disk and this copy may be the only other: the source gets those first
    /// (`holdLostWriterTail`), and the extents marked here then bring them back. Telling the source is not enough: its resync can end before the
    /// writer-lost arrives, and after the end it sees only a peer at another generation
    /// (simulation seed 6, with equal-generation plans exchanging bitmaps before pausing: the
    /// target came out UpToDate with the lost writer's last block, which no bitmap marked).
    mutating func refetchLostWriterExtents(_ lost: WriterLost, source j: Int) {
        guard let resync = peers[j].resync, resync.isTarget else { return }
        markExtentsOutOfSync(lost.hotExtents, toward: j)
        if resync.finishing {
            // It told the source it was done; it goes on (the source takes a second "finished").
            peers[j].resync!.finishing = false
            peers[j].resync!.cursor = 0
        }
        log(.info, "lost Primary node \(lost.writer) during the resync from node \(peers[j].id) (\(peers[j].config.name)): its last writes here are resynced again from there")
    }

    /// A peer lost the same Primary. The one that received fewer of its writes resyncs the hot
    /// extents of both from the one that received more (each received a prefix of the same
    /// stream, so the longer prefix holds everything the shorter one has).
    ///
    /// This node decides only without the writer; with it, the message is kept
    /// (`deferWriterLost`). An answer that finds the writer back here is dropped: this node's
    /// withdrawal went to the peer when it got the writer back, and the peer, which decided,
    /// renegotiates on it. Without the writer, it answers a peer its own writer-lost did not reach
    /// (the link was down, or it got none of the writer's writes and sent none): that peer
    /// decides nothing otherwise.
    mutating func onWriterLost(_ lost: WriterLost, peer i: Int) {
        guard disk.hasDisk, peers[i].bitmap != nil else { return }
        let peer = peers[i].id
        if lost.withdrawn { return onWriterLostWithdrawn(lost, peer: i) }
        // This message replaces whatever this node kept or decided of the peer's before.
        deferredWriterLosts[lost.writer]?[peer] = nil
        writerLostsDecided[lost.writer]?.remove(peer)
        writerLostsAwaitingSource[peer] = nil
        if peers[i].resync == nil && !peers[i].current.sameHistory(as: generations.current) {
            return renegotiateAfterWriterLost(lost, peer: i)
        }
        if let w = peerIndex(lost.writer), peers[w].isConnected, peers[w].role == .primary {
            if lost.answer { return }
            return deferWriterLost(lost, peer: i)
        }
        // The writer is connected here, no longer Primary (it demoted), and this node kept no
        // tail of it: it did not lose the writer, whose stream to it ended whole, and the
        // writer, alive, holds its bits toward the peer. Tail 0 would take this node for the
        // one behind (ProtocolADemotedWriterTests: n2 held n0's acknowledged protocol A write 2,
        // became n1's target at tail 0 against n1's 1, and write 2 was resynced away).
        if lastWriterSequence[lost.writer] == nil, let w = peerIndex(lost.writer), peers[w].isConnected { return }
        let sentToPeer = writerLostsSent[lost.writer]?.remove(peer) != nil
        decideWriterLost(lost, peer: i)
        if !lost.answer && !sentToPeer { answerWriterLost(lost.writer, peer: i) }
    }

    /// Peer `i` has the writer again and withdraws its writer-lost. Kept here, it is dropped: this
    /// node decides nothing on it, and the peer, which kept or will keep this node's own, decides
    /// nothing either. Already decided here (this node lost the writer before the withdrawal
    /// came), the plan may be one the peer cannot follow while the writer's writes come: the
    /// connection is renegotiated, which ends whatever this node started, and the handshake plans
    /// from the generations (the writer started a newer one on the nodes it still reaches).
    mutating func onWriterLostWithdrawn(_ lost: WriterLost, peer i: Int) {
        let peer = peers[i].id
        if deferredWriterLosts[lost.writer]?.removeValue(forKey: peer) != nil {
            log(.info, "node \(peer) (\(peers[i].config.name)) has Primary node \(lost.writer) again: its writer-lost is dropped")
            return
        }
        guard writerLostsDecided[lost.writer]?.remove(peer) != nil else { return }
        log(.info, "node \(peer) (\(peers[i].config.name)) has Primary node \(lost.writer) again after this node reconciled on its writer-lost; reconnecting so that the handshake decides")
        dropConnection(i, standAlone: false, renegotiate: true)
    }

    /// Peer `i` is a connected Primary again. The peers this node's writer-lost for it went to and
    /// that sent none this node decided on may keep it (they still have the writer) or decide on
    /// it later, on this node's old tail, while this node, with the writer, keeps theirs: it is
    /// withdrawn. One message, only when a survivor gets the writer back; asking every kept one
    /// for an answer instead (protocol 12) cost liveness in 1…300 and 501…800 by timing.
    mutating func withdrawWriterLostIfWriterBack(_ i: Int) {
        guard peers[i].isConnected, peers[i].role == .primary else { return }
        // The writer, back, holds its writes itself: a resync waiting on its tail goes on.
        for j in peers.indices where peers[j].resync?.lostWriterTail?.writer == peers[i].id {
            releaseLostWriterTail(j, "Primary node \(peers[i].id) is back")
        }
        guard let sentTo = writerLostsSent.removeValue(forKey: peers[i].id) else { return }
        let withdrawal = WriterLost(writer: peers[i].id, lastSequence: 0, hotExtents: [], withdrawn: true)
        for peer in sentTo.sorted() {
            guard let j = peerIndex(peer), peers[j].isConnected else { continue }
            send(.writerLost(withdrawal), to: peer)
        }
    }

    /// Peer `id` no longer takes part in this node's writer-lost exchanges (its connection ended,
    /// or it left the resource): none of its decisions is awaited, and nothing it sent is kept.
    mutating func forgetWriterLostExchange(with id: NodeID) {
        for writer in writerLostsSent.keys { writerLostsSent[writer]!.remove(id) }
        for writer in deferredWriterLosts.keys { deferredWriterLosts[writer]![id] = nil }
        for writer in writerLostsDecided.keys { writerLostsDecided[writer]!.remove(id) }
        writerLostsAwaitingSource[id] = nil
    }

    /// Peer `i` reports UpToDate, and this node, behind it on a lost writer's tail, decided on its
    /// writer-lost while it was not: decided again now. The peer decides on its own disk when
    /// this node's writer-lost arrives, which can be after its return to UpToDate (its state
    /// report goes out behind its writer-lost): seed 3022, n1 (tail 5) came back UpToDate with
    /// quorum, took n2's writer-lost (tail 3) and started serving n2's resync, while n2 had
    /// decided on n1's while n1 was still Outdated (nothing to resync from) and never asked: n1
    /// SyncSource toward an Established n2 for good (WriterLostSourceUpToDateTests).
    mutating func reconcileWhenSourceUpToDate(_ i: Int) {
        guard peers[i].disk == .upToDate, let lost = writerLostsAwaitingSource.removeValue(forKey: peers[i].id) else { return }
        reconcileWriterLost(lost, peer: i)
    }

    /// This node decided on peer `i`'s writer-lost, and the peer has none of this node's to
    /// decide on: its own tail goes back, so the peer decides on the same two. A node that kept no
    /// tail of the writer (it got none of its writes, or never saw it Primary) answers tail 0
    /// (`tailOfLostWriter`).
    mutating func answerWriterLost(_ writer: NodeID, peer i: Int) {
        let mine = tailOfLostWriter(writer)
        send(.writerLost(WriterLost(writer: writer, lastSequence: mine, hotExtents: ownWriterLostExtents(writer),
                                    streamStart: lostWriterStreamStart[writer] ?? 0, answer: true)), to: peers[i].id)
    }

    /// Peer `i`'s writer-lost is decided here (reconciled), and recorded so that its withdrawal,
    /// should it come after, renegotiates the connection.
    mutating func decideWriterLost(_ lost: WriterLost, peer i: Int) {
        writerLostsDecided[lost.writer, default: []].insert(peers[i].id)
        reconcileWriterLost(lost, peer: i)
    }

    /// Two survivors of the same lost writer at the same history reconcile their tails.
    mutating func reconcileWriterLost(_ lost: WriterLost, peer i: Int) {
        // The one with the longer tail is the source. With equal tails, the one whose stream
        // began earlier: it received every write the other's stream brought, while the other
        // took the writer's last sequence at its handshake as received and may lack writes of
        // the gap before it, whose only record (the writer's out-of-sync ranges) can die with
        // the writer (seed 463, WriterLostGapTests). Both ends decide alike: each compares the
        // tail and start it sent with the ones it received (`answerWriterLost`).
        // A resync from the peer that waits for its tail (protocol A) goes on, whatever the tails.
        pushLostWriterTail(lost, source: i)
        let mine = tailOfLostWriter(lost.writer)
        let myStart = lostWriterStreamStart[lost.writer] ?? 0
        guard mine != lost.lastSequence || myStart != lost.streamStart else { return }
        let behind = mine != lost.lastSequence ? mine < lost.lastSequence : myStart > lost.streamStart
        if peers[i].resync != nil {
            // Stream starts alone do not reopen a resync already running between the two: with
            // them, seed 131 acknowledged no write (its first difference is such a reconciliation
            // within a resync; not traced further).
            guard mine != lost.lastSequence else { return }
            return reconcileWithinResync(lost, peer: i, mine: mine)
        }
        // Only UpToDate data may serve, as the peer itself last reported it: a peer this node has
        // just resynced may still be an Inconsistent target (resync-lane seed 288: n2, UpToDate,
        // had ended n0's resync and counted it UpToDate while n0, still a target, held the lost
        // writer n1's writes 1–4 that n2 never got; n2 took itself for behind at tail 0 and became
        // n0's target, and with no UpToDate replica left the cluster never converged).
        let source = behind ? (peers[i].upToDateUnreported ? .inconsistent : peers[i].disk) : disk
        guard source == .upToDate else {
            if !behind { keepLongerTailOutdated(lost, peer: i) }
            // The peer ahead serves its tail once UpToDate (`reconcileWhenSourceUpToDate`) if it
            // keeps it: Outdated (seed 3022) or just resynced from this node (resync-lane 288).
            // Not an Inconsistent one: its copy never counted toward an acknowledgement and its
            // own resync source rewrites the lost writer's extents on it
            // (`refetchLostWriterExtents`), so by the time it is UpToDate its tail describes
            // another disk. Kept, it was replayed after n4's full resync from n2 in
            // superseded_generation_survives_restart (n1 and n3 resynced 16 KiB from n4 for
            // nothing and kept a stale 4 KiB bit between them) and after n0's return in
            // promotion_vote_resync_target.
            else if peers[i].disk == .outdated || peers[i].upToDateUnreported { writerLostsAwaitingSource[peers[i].id] = lost }
            return
        }
        markExtentsOutOfSync(reconciledExtents(lost), toward: i)
        let tails = mine != lost.lastSequence ? "this node got \(mine), it got \(lost.lastSequence)"
            : "both got \(mine), this node's stream from after \(myStart), its from after \(lost.streamStart)"
        log(.info, "reconciling in-flight writes of lost Primary node \(lost.writer) with node \(peers[i].id): \(tails)")
        startResync(i, asTarget: behind)
    }

    /// This node holds the longer tail of the lost writer's stream (or the earlier stream start)
    /// but is Outdated, so it cannot serve the peer now, and the peer, behind, has no UpToDate
    /// source to ask. Left at that, nothing recorded the difference: both came back UpToDate at
    /// the same generation when quorum returned (`returnFromQuorumOutdate`), Established, with
    /// the writer's last write on one of them only. Resync-lane seed 93: n3, a diskless Primary
    /// whose promotion was granted while its peers were UpToDate, wrote block 12 to n1 and n2,
    /// both Outdated by a quorum loss meanwhile; n2 still held the write in its queue when n3
    /// crashed and dropped it (tail 5 against n1's 6), neither side reconciled, and n1 alone
    /// kept block 12 (OutdatedSurvivorsTailTests). The extents are marked toward the peer, as
    /// an UpToDate source marks them, and the connection is renegotiated: where both are
    /// Outdated (93) the handshake makes the side tracking them the source
    /// (`equal-self-tracks-changes`), paused until it is UpToDate again. The guard does not look
    /// at the peer's disk: beside an UpToDate peer the handshake's `equal-self-outdated` makes this
    /// node the target of those extents instead (the peer's data serves, as everywhere else).
    /// Only the side with the longer tail acts; both ends compare the same two tails.
    mutating func keepLongerTailOutdated(_ lost: WriterLost, peer i: Int) {
        guard disk == .outdated else { return }
        markExtentsOutOfSync(reconciledExtents(lost), toward: i)
        log(.info, "lost Primary node \(lost.writer) with more of its writes than node \(peers[i].id) (\(peers[i].config.name)) while Outdated: its extents are out of sync toward it; reconnecting so that the handshake plans the resync")
        dropConnection(i, standAlone: false, renegotiate: true)
    }

    /// One survivor took the lost writer's new generation and the other did not (a diskless
    /// Primary crashed between announcing it to one peer and to the other, seed 497): the tails
    /// are not prefixes of one stream at one generation, and a resync of the hot extents from the
    /// older generation would leave the target Inconsistent at the newer one, where every peer
    /// waits for it. The generations decide, at a handshake: an Established connection never runs
    /// one by itself and the announcement is never sent again, so the two stayed UpToDate at
    /// different generations with different data for good. The peer's current is not stale here:
    /// its state report for the announcement went out on this stream before its writer-lost.
    /// This runs whether or not this node got any of the writer's writes (a node that got none
    /// records no tail and sends no writer-lost of its own). Not while a Primary is connected:
    /// it is still writing, and its writes and announcements settle the difference. Not while
    /// this node asks to be promoted either: a voter whose connection drops is taken off the
    /// pending promotion's waiting list without answering, so the promotion can finish on the
    /// other votes (with quorum off, on none: `promotionVoteShortfall`), whereas the peer ahead,
    /// asked, refuses (`knowsNewerGeneration`); this node then stays behind until its next
    /// handshake with it.
    mutating func renegotiateAfterWriterLost(_ lost: WriterLost, peer i: Int) {
        guard peers[i].replication == .established, disk == .upToDate, peers[i].disk == .upToDate,
              !peers[i].current.isNone, role != .primary, promotion == nil,
              !peers.contains(where: { $0.isConnected && $0.role == .primary }) else { return }
        log(.info, "node \(peers[i].id) (\(peers[i].config.name)) lost Primary node \(lost.writer) at generation \(peers[i].current), this node is at \(generations.current); reconnecting so that the handshake resyncs the one behind")
        dropConnection(i, standAlone: false, renegotiate: true)
    }

    /// The two survivors of a lost writer are already resyncing, one from the other, and their
    /// tails of its stream differ. The running resync brings only the blocks its bitmap marked,
    /// so the writer's last writes that only one side holds would outlive it: the target comes
    /// out UpToDate with a block the source never had, or without one the source has (seed 104:
    /// a diskless Primary crashed with its last write on the resync target only; both ended
    /// UpToDate and different). The hot extents of both join the resync, whatever the tail
    /// lengths: an UpToDate source is the one copy both may hold, and what only the Inconsistent
    /// target had was not acknowledged on its strength (its copy does not count towards an
    /// acknowledgement; a writer's write is acknowledged only with a copy on an UpToDate replica).
    /// Protocol A breaks that premise (the writer acknowledges on its own disk): the target sends
    /// the source its writes beyond the source's tail before the extents are resynced
    /// (`pushLostWriterTail`, seed 2060).
    /// DRBD resolves it the same way: the survivors' resync runs by the source's generations and
    /// bitmaps, and the activity-log extents of the lost Primary are part of the resync.
    mutating func reconcileWithinResync(_ lost: WriterLost, peer i: Int, mine: UInt64) {
        guard let resync = peers[i].resync, resync.isTarget || disk == .upToDate else { return }
        markExtentsOutOfSync(reconciledExtents(lost), toward: i)
        if resync.isTarget && resync.finishing {
            // It told the source it was done; it goes on (the source takes a second "finished").
            peers[i].resync!.finishing = false
            peers[i].resync!.cursor = 0
        }
        log(.info, "reconciling in-flight writes of lost Primary node \(lost.writer) within the resync \(resync.isTarget ? "from" : "to") node \(peers[i].id): this node got \(mine), it got \(lost.lastSequence)")
    }

    /// The last of `writer`'s writes this node kept, as its writer-lost said; 0 when it sent none:
    /// its stream from the writer brought no write, or it never saw the writer as Primary (the
    /// writer's role report and first writes died on the link to it). Such a node decides and
    /// answers like any other, as the one behind: seed 3359's n2 got none of n0's writes 1 and 2,
    /// never heard n0 Primary, and decided nothing on n1's and n3's tails of 2, which left it, a
    /// connected diskful peer, to that exchange (`writerLostExchangeCannotSettle`); the two
    /// ended UpToDate, block 14 on n1 and n3 only (WriterLostNoTailTests).
    func tailOfLostWriter(_ writer: NodeID) -> UInt64 {
        lastWriterSequence[writer] ?? 0
    }

    /// What two survivors of a lost writer reconcile: the peer's hot and in-doubt extents (its
    /// writer-lost carries both) and this node's.
    func reconciledExtents(_ lost: WriterLost) -> [UInt32] {
        Set(lost.hotExtents + ownWriterLostExtents(lost.writer)).sorted()
    }

    /// The extents this node's writer-lost for `writer` names, in its announcement and in its
    /// answer alike: its activity log's hot extents and the writer's writes still in doubt here.
    func ownWriterLostExtents(_ writer: NodeID) -> [UInt32] {
        Set(activityLog.sortedExtents + (lostWriterInDoubtExtents[writer] ?? [])).sorted()
    }

    mutating func markExtentsOutOfSync(_ extents: [UInt32], toward i: Int) {
        let extentCount = (config.sizeBytes + config.activityLogExtentBytes - 1) / config.activityLogExtentBytes
        for extent in extents where UInt64(extent) < extentCount {
            let start = UInt64(extent) * config.activityLogExtentBytes
            let length = min(config.activityLogExtentBytes, config.sizeBytes - start)
            peers[i].bitmap!.set(peers[i].bitmap!.blocks(offsetBytes: start, lengthBytes: length))
        }
    }
}
