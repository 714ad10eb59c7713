/// Why a storage action was issued; decides what its completion does.
enum StoragePurpose: Sendable {
    case metadata(version: UInt64)
    case clientWrite(ClientRequestID)
    case clientRead(ClientRequestID)
    case clientFlush(ClientRequestID)
    /// What a peer write's completion needs: the ack's sequence and whether one is wanted.
    /// Not the whole `ReplicatedWrite`: its payload was copied (retained) into and out of this
    /// table per write, and the action in `dataOrder` already keeps it until the completion.
    case peerWrite(from: NodeID, sequence: UInt64, wantsAck: Bool, extents: ClosedRange<UInt32>, bringsInSync: ResyncCoverage?)
    case peerFlush(from: NodeID, number: UInt64)
    case resyncRead(to: NodeID, request: ResyncRequest)
    case resyncWrite(from: NodeID, session: UInt64, offsetBytes: UInt64, lengthBytes: UInt32)
    case verifySourceRead(peer: NodeID, id: UInt64, offsetBytes: UInt64, lengthBytes: UInt32)
    case verifyTargetRead(peer: NodeID, request: VerifyRequest)
    case remoteRead(for: NodeID, request: RemoteReadRequest)
    /// A lost protocol A writer's write read back for the resync source `to` (`pushLostWriterTail`).
    case lostTailRead(to: NodeID, session: UInt64, writer: NodeID, sequence: UInt64, offsetBytes: UInt64, lengthBytes: UInt32)
    /// A resync target's copy of such a write, written here for it (`onLostWriterTail`).
    case lostTailWrite(from: NodeID, writer: NodeID, sequence: UInt64, extents: ClosedRange<UInt32>)
}

struct InFlightStorage: Sendable {
    var purpose: StoragePurpose
    /// A resync read whose range got new out-of-sync bits toward its target while it was in
    /// flight (see `noteBitsSet`).
    var dirtied = false
    /// A resync read or write issued for a connection (and resync) that has ended since. Its
    /// completion belongs to nothing current: a read's reply on the new connection would carry
    /// an id the new resync reuses and clear bits the new exchange set; a write's completion
    /// would be counted against the new resync's writes in flight (which then never reach
    /// zero: the target never says it is finished) and clear bits of blocks the new resync
    /// still has to bring. The new resync fetches those blocks again, so it is dropped.
    var fromEndedConnection = false
}

/// A data action in issue order; `issued` once handed to the shell.
struct DataOp: Sendable {
    var id: StorageOpID
    var action: StorageAction
    var start: UInt64
    var end: UInt64
    var isWrite: Bool
    var issued: Bool
}

extension ReplicaInstance {
    mutating func newStorageID() -> StorageOpID {
        defer { nextStorageID += 1 }
        return StorageOpID(nextStorageID)
    }

    /// Queues a data action; it is handed to the shell as soon as no earlier overlapping action
    /// (where either one writes) is outstanding, so storage may reorder freely.
    mutating func submitData(_ makeAction: (StorageOpID) -> StorageAction, offsetBytes: UInt64,
                             lengthBytes: UInt64, isWrite: Bool, purpose: StoragePurpose) {
        precondition(offsetBytes + lengthBytes <= config.sizeBytes, "storage action beyond the volume end")
        precondition(dataOrder.count < config.storageOpsMax + config.clientRequestsMax * 2,
                     "storage queue exceeds its bound")
        let id = newStorageID()
        storageInFlight[id] = InFlightStorage(purpose: purpose)
        dataOrder.append(DataOp(id: id, action: makeAction(id), start: offsetBytes,
                                end: offsetBytes + max(lengthBytes, 1), isWrite: isWrite, issued: false))
        issueDataOps()
    }

    mutating func issueFlush(purpose: StoragePurpose) {
        let id = newStorageID()
        storageInFlight[id] = InFlightStorage(purpose: purpose)
        output.storage.append(.flush(id: id))
    }

    mutating func issueDataOps() {
        // Counted in place: `filter` built a copy of every action (payloads retained) per call,
        // and this runs for every data action and every completion.
        var issuedCount = 0
        // The limit can only bind with more actions queued than it allows: below that, the
        // count (a walk over every queued action, per action and per completion) is not needed.
        if dataOrder.count > config.storageOpsMax {
            for i in dataOrder.indices where dataOrder[i].issued { issuedCount += 1 }
            if issuedCount == dataOrder.count { return }
        }
        for i in dataOrder.indices where !dataOrder[i].issued {
            if issuedCount >= config.storageOpsMax { return }
            // Fields by index, not `let op = dataOrder[i]` and `contains` over a slice: those
            // copied each action (its payload retained and released) once per earlier entry,
            // some thirty times per write at queue depth 32.
            let start = dataOrder[i].start, end = dataOrder[i].end, isWrite = dataOrder[i].isWrite
            var blocked = false
            for j in dataOrder.indices[..<i] where dataOrder[j].start < end && start < dataOrder[j].end
                && (dataOrder[j].isWrite || isWrite) {
                blocked = true
                break
            }
            if blocked { continue }
            dataOrder[i].issued = true
            issuedCount += 1
            output.storage.append(dataOrder[i].action)
        }
    }

    mutating func onStorageCompleted(_ completion: StorageCompletion) {
        guard let entry = storageInFlight.removeValue(forKey: completion.id) else {
            preconditionFailure("completion for unknown storage action \(completion.id)")
        }
        if let index = dataOrder.indices.first(where: { dataOrder[$0].id == completion.id }) {
            precondition(dataOrder[index].issued, "completion for an action never issued")
            dataOrder.remove(at: index)
        }
        switch entry.purpose {
        case .metadata(let version): onMetadataCompleted(version: version, result: completion.result)
        case .clientWrite(let id): onLocalWriteDone(id, result: completion.result)
        case .clientRead(let id): onLocalReadDone(id, result: completion.result)
        case .clientFlush(let id): onLocalFlushDone(id, result: completion.result)
        case .peerWrite(let from, let sequence, let wantsAck, let extents, let bringsInSync):
            onPeerWriteDone(from: from, sequence: sequence, wantsAck: wantsAck, extents: extents,
                            bringsInSync: bringsInSync, result: completion.result)
        case .peerFlush(let from, let number): onPeerFlushDone(from: from, number: number, result: completion.result)
        case .resyncRead(let to, let request):
            if entry.fromEndedConnection {
                endedConnectionResyncDone(completion.result)
            } else {
                onResyncReadDone(to: to, request: request, result: completion.result, dirtied: entry.dirtied)
            }
        case .resyncWrite(let from, let session, let offset, let length):
            if entry.fromEndedConnection {
                endedConnectionResyncDone(completion.result)
            } else {
                onResyncWriteDone(from: from, session: session, offsetBytes: offset, lengthBytes: length, result: completion.result)
            }
        case .verifySourceRead(let peer, let id, let offset, let length):
            onVerifySourceRead(peer: peer, id: id, offsetBytes: offset, lengthBytes: length, result: completion.result)
        case .verifyTargetRead(let peer, let request): onVerifyTargetRead(peer: peer, request: request, result: completion.result)
        case .remoteRead(let peer, let request): onRemoteReadServed(for: peer, request: request, result: completion.result)
        case .lostTailRead(let to, let session, let writer, let sequence, let offset, let length):
            onLostTailRead(to: to, session: session, writer: writer, sequence: sequence, offsetBytes: offset,
                           lengthBytes: length, result: completion.result)
        case .lostTailWrite(let from, let writer, let sequence, let extents):
            onLostTailWritten(from: from, writer: writer, sequence: sequence, extents: extents, result: completion.result)
        }
        issueDataOps()
    }

    /// A local data write or read failed: DRBD's on-io-error detach. The node continues
    /// diskless through its peers; every peer's copy is now the only good one.
    mutating func diskFailed() {
        guard disk.hasDisk else { return }
        // First: the steps below may complete a pending write (a dropped resync connection).
        if !mut("N1") && !mut("N2") { ownCopiesLost() }
        let diskBeforeFailure = disk
        disk = .failed
        emitDevice()
        log(.error, "I/O error on the backing store of \(config.resourceName)/\(config.volume): disk Failed, detaching; I/O continues through UpToDate peers")
        // DRBD: a Primary that loses a disk holding its data starts a new current generation
        // with the next write; here the disk lost is its own, so its peers start it (announced,
        // with this node among the absent) and the old metadata, attached again, is behind.
        if role == .primary { needsNewGeneration = true }
        noteFailureRecord(wasDisk: diskBeforeFailure)
        disk = .diskless
        for index in peers.indices { peers[index].bitmap = nil }
        broadcastState()
        emitDevice()
        recomputeQuorum()
        // A resync (either direction) needs this disk: renegotiate those connections as diskless.
        for index in peers.indices where peers[index].resync != nil
            || [.wfBitMapS, .wfBitMapT, .pausedSyncS, .pausedSyncT].contains(peers[index].replication) {
            dropConnection(index, standAlone: false)
        }
        if mut("N2") { ownCopiesLost() }
    }
}
