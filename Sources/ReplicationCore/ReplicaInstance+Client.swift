import DequeModule
import NIOCore

extension ReplicaInstance {
    mutating func onClientRequest(_ request: ClientRequest) {
        if let error = validate(request) {
            output.completions.append(ClientCompletion(id: request.id, result: .failed(error)))
            return
        }
        precondition(requests[request.id] == nil, "client request id \(request.id) reused while in flight")
        requests[request.id] = PendingRequest(request: request, submitTick: now)
        requestOrder.append(request.id)
        unstartedRequests.append(request.id)
    }

    func validate(_ request: ClientRequest) -> ClientError? {
        if requests.count >= config.clientRequestsMax {
            return ClientError(.busy, "too many requests in flight (\(config.clientRequestsMax)); retry later")
        }
        if case .flush = request.operation { return nil }
        let length = UInt64(request.lengthBytes)
        if length == 0 { return ClientError(.invalid, "request of length 0") }
        if request.lengthBytes > config.requestBytesMax {
            return ClientError(.invalid, "request of \(length) B exceeds the maximum of \(config.requestBytesMax) B")
        }
        if request.offsetBytes > config.sizeBytes || length > config.sizeBytes - request.offsetBytes {
            return ClientError(.invalid, "range \(request.offsetBytes)+\(length) lies beyond the end of the \(config.sizeBytes) B volume")
        }
        if case .write(let data) = request.operation, data.readableBytes != Int(length) {
            return ClientError(.invalid, "write carries \(data.readableBytes) B of data for a length of \(length) B")
        }
        return nil
    }

    /// Runs after every step, so it looks only at requests not yet started (usually none):
    /// walking every request in flight copied each one, several times per request at depth.
    /// The phase is read through the table's index (`requests.values[i]`): `requests[id]`
    /// copied the whole request out of the table (its payload and arrays retained and released).
    mutating func startWaitingRequests() {
        guard !unstartedRequests.isEmpty else { return }
        for id in unstartedRequests {
            guard let i = requests.index(forKey: id) else { continue }
            switch withRequest(at: i, { $0.phase }) {
            case .queued: tryStart(id)
            case .waitingMetadata(let version) where metadataDurable(version): issueWaitingWrite(id)
            default: break
            }
        }
        // By index rather than `removeAll { … }`: its closure may not call `withRequest` (an
        // access to all of `self` inside the modification of `unstartedRequests`).
        var k = 0
        while k < unstartedRequests.count {
            let started = requests.index(forKey: unstartedRequests[k]).map { i in withRequest(at: i) { $0.phase } == .started } ?? true
            if started { unstartedRequests.remove(at: k) } else { k += 1 }
        }
    }

    /// `body` on the request at `i`, in place. Reading a field through `requests.values[i]` or
    /// `requests[id]` copied the whole request first (its payload and arrays retained, then
    /// released) when the getter was not inlined; an inout access never copies.
    mutating func withRequest<R>(at i: Dictionary<ClientRequestID, PendingRequest>.Index, _ body: (inout PendingRequest) -> R) -> R {
        body(&requests.values[i])
    }

    mutating func complete(_ id: ClientRequestID, _ result: ClientResult) {
        guard let pending = requests.removeValue(forKey: id) else { preconditionFailure("completing unknown request \(id)") }
        // Requests mostly complete in order: the search usually stops at the first entry.
        if let k = requestOrder.firstIndex(of: id) { requestOrder.remove(at: k) }
        if pending.sequence != 0 {
            requestsBySequence[pending.sequence] = nil
            if !pending.waitingPeers.isEmpty {
                writesAwaitingPeers[pending.sequence] = WriteAwaitingPeers(
                    peers: pending.waitingPeers, sentTo: pending.sentTo,
                    offsetBytes: pending.request.offsetBytes, lengthBytes: UInt64(pending.request.lengthBytes))
            }
        }
        if let extents = pending.extents { activityLog.end(extents) }
        if pending.isWrite { applicationLatencyRecent = now - pending.submitTick }
        output.completions.append(ClientCompletion(id: id, result: result))
        maybeAutoDemote()
    }

    // MARK: Starting

    mutating func tryStart(_ id: ClientRequestID) {
        guard let i = requests.index(forKey: id) else { return }
        switch withRequest(at: i, { $0.request.operation }) {
        case .read: startRead(id)
        case .flush: startFlush(id)
        case .write, .trim, .writeZeroes: startWrite(id)
        }
    }

    /// nil: may proceed; `.some(nil)`: wait (held); `.some(error)`: fail now.
    mutating func ioGate(forWrite: Bool) -> ClientError?? {
        if forWrite && role != .primary {
            if promotion != nil { return .some(nil) }
            if config.autoPromote {
                if let refusal = promotionRefusal(force: false) { return .some(ClientError(.notPermitted, refusal)) }
                beginPromotion(force: false, adminID: nil, automatic: true)
                return .some(nil)
            }
            return .some(ClientError(.notPermitted, "\(config.resourceName) is Secondary on \(config.nodeName) and auto-promote is off; run 'tandem adm primary \(config.resourceName)' first"))
        }
        if role == .primary && !hasQuorum && config.quorum != .off {
            switch config.onNoQuorum {
            case .suspendIO: return .some(nil)
            case .ioError:
                return .some(ClientError(.io, "\(config.resourceName) on \(config.nodeName) has no quorum (on-no-quorum io-error): it cannot see a majority of its replicas"))
            }
        }
        return nil
    }

    /// Whether a client READ submitted now would be served from the local disk at once (what
    /// `startRead` decides: not held or failed by the quorum gate, and the local disk UpToDate).
    /// The engine lets NBD READs go straight to the backing store while this holds.
    public var readsLocally: Bool {
        if role == .primary && !hasQuorum && config.quorum != .off { return false }
        return disk == .upToDate
    }

    mutating func startRead(_ id: ClientRequestID) {
        if let gate = ioGate(forWrite: false) {
            if let error = gate { complete(id, .failed(error)) }
            return
        }
        let request = requests[id]!.request
        if disk == .upToDate {
            requests[id]!.phase = .started
            requests[id]!.localOp = true
            submitData({ .read(id: $0, offsetBytes: request.offsetBytes, lengthBytes: request.lengthBytes) },
                       offsetBytes: request.offsetBytes, lengthBytes: UInt64(request.lengthBytes),
                       isWrite: false, purpose: .clientRead(id))
            return
        }
        sendRemoteRead(id)
    }

    mutating func sendRemoteRead(_ id: ClientRequestID) {
        let request = requests[id]!.request
        let tried = requests[id]!.triedPeers
        // Prefer protocol C peers, then the lowest node id (deterministic).
        let candidates = peers.filter { $0.isConnected && $0.disk == .upToDate && !tried.contains($0.id) }
        guard let peer = candidates.first(where: { $0.config.replicationProtocol == .c }) ?? candidates.first else {
            complete(id, .failed(ClientError(.io, "no UpToDate replica of \(config.resourceName) is reachable from \(config.nodeName) to read from")))
            return
        }
        let readID = nextRemoteReadID
        nextRemoteReadID += 1
        requests[id]!.phase = .started
        requests[id]!.remoteRead = (peer.id, readID)
        requests[id]!.triedPeers.append(peer.id)
        send(.readRequest(RemoteReadRequest(id: readID, offsetBytes: request.offsetBytes, lengthBytes: request.lengthBytes)), to: peer.id)
    }

    mutating func startFlush(_ id: ClientRequestID) {
        if role != .primary {
            complete(id, .done)  // nothing was written here
            return
        }
        if let gate = ioGate(forWrite: true) {
            if let error = gate { complete(id, .failed(error)) }
            return
        }
        requests[id]!.phase = .started
        if disk.hasDisk {
            requests[id]!.localOp = true
            issueFlush(purpose: .clientFlush(id))
        }
        // One number for every peer: an ack is matched by the request's one number. Numbered
        // per peer, the peers' counters drifted apart (a peer away during a flush missed its
        // increment), the request kept the last peer's number, and the other peers' acks
        // matched nothing: the flush waited until they disconnected.
        let number = nextFlushNumber
        nextFlushNumber += 1
        requests[id]!.flushNumber = number
        for index in peers.indices where peers[index].receivesWrites {
            send(.flush(FlushRequest(number: number)), to: peers[index].id)
            // Protocol A, as for a write: the promise rests on this node's own UpToDate copy,
            // and the peer flushes in order without being waited for. DRBD completes a flush
            // once the local disk flushed and the epoch's barrier is queued toward each peer
            // (`QUEUE_AS_DRBD_BARRIER`: net-done at once). A writer without that copy waits as
            // with protocol C.
            if peers[index].config.replicationProtocol == .a && disk == .upToDate {
                if peers[index].disk == .upToDate { requests[id]!.durableCopies += 1 }
                continue
            }
            requests[id]!.waitingPeers.insert(peers[index].id)
        }
        checkDone(id)
    }

    /// Whether a write may go on now: false when it is held (it stays where it is and is asked
    /// again after the next step) or failed (completed here).
    mutating func writeGatesPass(_ id: ClientRequestID) -> Bool {
        if let gate = ioGate(forWrite: true) {
            if let error = gate { complete(id, .failed(error)) }
            return false
        }
        guard disk == .upToDate || peers.contains(where: { $0.receivesWrites && $0.disk == .upToDate }) else {
            complete(id, .failed(ClientError(.io, "no UpToDate replica of \(config.resourceName) is reachable from \(config.nodeName) to write to")))
            return false
        }
        return true
    }

    mutating func startWrite(_ id: ClientRequestID) {
        guard writeGatesPass(id) else { return }
        guard let i = requests.index(forKey: id) else { preconditionFailure("starting unknown request \(id)") }
        let (offsetBytes, lengthBytes) = withRequest(at: i) { ($0.request.offsetBytes, $0.request.lengthBytes) }
        noteApplicationWrite()
        var extents: ClosedRange<UInt32>?
        if disk.hasDisk {
            let wanted = activityLog.extents(offsetBytes: offsetBytes, lengthBytes: UInt64(lengthBytes))
            guard activityLog.canActivate(wanted) else { return }  // wait for an extent to go idle
            extents = wanted
        }
        var needed = max(metadataPersistedVersion, startGenerationIfNeeded())
        if let extents {
            // The crashed-Primary mark a promotion left for now (`finishPromotionIfAnswered`):
            // durable before the tenure's first write reaches the disk, so before its acknowledgement.
            if role == .primary && !flags.contains(.primary) {
                flags.insert(.primary)
                needed = max(needed, markMetadataDirty())
            }
            needed = max(needed, activateExtents(extents))
            // In place through the index (nothing above adds or removes requests): each
            // `requests[id]!.x = …` looked the id up again and moved the whole request out
            // of the table and back.
            requests.values[i].extents = extents
            needed = max(needed, writeBarrierVersion)
        }
        requests.values[i].phase = .waitingMetadata(version: needed)
        if metadataDurable(needed) { issueWrite(id) }
    }

    /// A write whose metadata wait (its activity-log transaction, a new generation's barrier)
    /// ended. The world may have changed since `startWrite` passed it: it goes through the
    /// gates again. Issued as it was, a write that waited across a quorum loss reached the disk
    /// without quorum, in the generation the lost peers share, with no peer to miss it (so no
    /// lost copy, no hold); acknowledged when quorum returned, its one copy was the Primary's
    /// disk, which a crash then made an `equal-crashed-primary` resync target (seed 2174,
    /// IssuedAfterPeerLossTests). DRBD suspends a request before it is submitted, and starts
    /// a new current UUID at the first write after a peer is lost.
    ///
    /// The barrier is the current generation's (`writeBarrierVersion`), not only one this write
    /// starts: a write that waited for its activity-log header may find the generation started
    /// meanwhile by another write, and that header (written at the old generation) ended its
    /// wait. Issued then, it went out in the new generation before its header was durable;
    /// acknowledged, and the Primary crashed before that header landed, it came back at the old
    /// generation holding the write beside a replica there without it, and `equal-crashed-primary`
    /// made that replica the source (seed 4448, WriteBeforeGenerationBarrierTests). `startWrite`
    /// already waits for it.
    mutating func issueWaitingWrite(_ id: ClientRequestID) {
        guard writeGatesPass(id), let i = requests.index(forKey: id) else { return }
        let barrier = max(startGenerationIfNeeded(), disk.hasDisk ? writeBarrierVersion : 0)
        guard metadataDurable(barrier) else {
            requests.values[i].phase = .waitingMetadata(version: barrier)
            return
        }
        issueWrite(id)
    }

    /// The write about to be issued is the first since a peer holding this node's data was
    /// lost (`needsNewGeneration`): it starts the new generation. Returns the metadata version
    /// the write waits for, the new generation's barrier (0 when none is needed, or from a
    /// diskless Primary, which keeps no generation of its own and announces one to its peers).
    mutating func startGenerationIfNeeded() -> UInt64 {
        guard needsNewGeneration else { return 0 }
        if disk.hasDisk { return startNewGeneration() }
        announceGenerationFromDiskless()
        return 0
    }

    /// The first write after losing a peer starts a new generation (DRBD): the old current
    /// becomes the bitmap generation of every diskful peer not receiving writes now.
    mutating func startNewGeneration() -> UInt64 {
        needsNewGeneration = false
        let previous = generations.current
        var fresh = Generation(random.next() & ~UInt64(7))
        while fresh.isNone || fresh == .justCreated { fresh = Generation(random.next() & ~UInt64(7)) }
        generations.history.insert(previous, at: 0)
        if generations.history.count > GenerationSet.historyMax { generations.history.removeLast() }
        generations.current = fresh
        var absent: [NodeID] = []
        for index in peers.indices where peers[index].bitmap != nil && !peers[index].receivesWrites {
            absent.append(peers[index].id)
            setBitmapGeneration(peers[index].id, to: previous, onlyIfNone: true)
        }
        let announcement = GenerationAnnouncement(current: fresh, previous: previous, absentNodes: absent)
        for index in peers.indices where peers[index].handshakeSent && peers[index].transportUp {
            send(.newGeneration(announcement), to: peers[index].id)
            // Should its disk fail, this node goes on as a diskless Primary and chains from this
            // announcement (`announceGenerationFromDiskless`).
            peers[index].recordAnnouncement(current: fresh, previous: previous)
        }
        let tracking = absent.isEmpty ? "" : "; tracking changes for absent node(s) \(absent.map(\.description).joined(separator: ","))"
        log(.info, "new current generation \(fresh) (was \(previous))\(tracking)")
        // Durable with the generation: until a write issued in it is acknowledged, this node
        // holds nothing past `previous` that was acknowledged (see `checkDone`). A crash first leaves it
        // at a generation the other replicas may never have heard of (the announcement still
        // queued); they may move on with quorum from `previous` in another child, and at the
        // return both sides changed since a common generation (simulation seed 716). With quorum
        // off an acknowledged write may rest on this node's disk alone: no flag, the split
        // brain stays the operator's call.
        if role == .primary && config.quorum != .off {
            flags.insert(.generationUnconfirmed)
            unconfirmedGenerationFirstSequence = nextWriteSequence
        } else {
            flags.remove(.generationUnconfirmed)
        }
        writeBarrierVersion = markMetadataDirty()
        return writeBarrierVersion
    }

    /// A diskful node whose disk failed (detached): like an absent peer, its disk misses every
    /// write from now on and must be resynced when it is attached again.
    var ownDiskAbsent: Bool { !config.disklessClient && !disk.hasDisk }

    /// A diskless Primary keeps no generations of its own data, but its UpToDate peers must
    /// start a new generation (and track the absent nodes, its own detached disk among them)
    /// all the same.
    mutating func announceGenerationFromDiskless() {
        needsNewGeneration = false
        guard let previous = disklessDataGeneration else { return }
        var fresh = Generation(random.next() & ~UInt64(7))
        while fresh.isNone || fresh == .justCreated { fresh = Generation(random.next() & ~UInt64(7)) }
        generations.current = fresh
        var absent = peers.filter { !$0.config.disklessClient && !$0.receivesWrites }.map(\.id)
        if ownDiskAbsent { absent.append(config.nodeID) }
        let announcement = GenerationAnnouncement(current: fresh, previous: previous, absentNodes: absent)
        for index in peers.indices where peers[index].receivesWrites {
            send(.newGeneration(announcement), to: peers[index].id)
            peers[index].recordAnnouncement(current: fresh, previous: previous)
        }
    }

    /// The generation of the data a node without a disk reads and writes through: the one it has
    /// been writing in (its current), when some UpToDate peer receiving its writes holds it, else
    /// the first such peer's; nil when it reaches none. Its first write as Primary chains the new
    /// generation from it (`announceGenerationFromDiskless`), and its promotion request names it
    /// (`PromotionRequest.dataGeneration`): the voters judge that data, not where its disk left it.
    ///
    /// Its current first: a peer at another generation missed those writes and must not move on
    /// to the new one beside the peers that have them (two children of one parent: a split brain
    /// at their next handshake).
    ///
    /// A peer's report lags: one this node announced its current to on the connection still up
    /// took it on arrival (it was at the announcement's parent), whatever its last report says.
    /// Chaining from that stale report instead made a second child of the parent beside the peer
    /// holding the first one's writes: a split brain at their next handshake (seed 254). A peer
    /// that connected since is known by its handshake, which is not stale.
    var disklessDataGeneration: Generation? {
        let upToDate = peers.filter { $0.receivesWrites && $0.disk == .upToDate }
        let own = !generations.current.isNone && upToDate.contains { peer in
            if peer.current.sameHistory(as: generations.current) { return true }
            // Reports lag whole chains too: a peer last reported at the first parent of the
            // announcements chained on this connection took them all in order (seed 169: n2's
            // record still said 997F, its handshake's, after 997F→3BC5→2DA4→534F here; chained
            // from 997F, the next one was a child no peer would take:
            // diskless_primary_chains_announcements).
            guard let sent = peer.announcedGeneration else { return false }
            return sent.current.sameHistory(as: generations.current)
                && (peer.current.sameHistory(as: sent.previous) || peer.current.sameHistory(as: sent.base))
        }
        return own ? generations.current : upToDate.first?.current
    }

    mutating func setBitmapGeneration(_ peer: NodeID, to generation: Generation, onlyIfNone: Bool) {
        guard let i = generations.bitmap.firstIndex(where: { $0.nodeID == peer }) else { return }
        if onlyIfNone && !generations.bitmap[i].generation.isNone { return }
        generations.bitmap[i].generation = generation
    }

    mutating func issueWrite(_ id: ClientRequestID) {
        // `i` stays valid to the end: nothing here adds or removes requests (checkDone, last,
        // looks the id up again).
        guard let i = requests.index(forKey: id) else { preconditionFailure("issuing unknown request \(id)") }
        let request = withRequest(at: i) { $0.request }
        requests.values[i].phase = .started
        let sequence = nextWriteSequence
        nextWriteSequence += 1
        requests.values[i].sequence = sequence
        requestsBySequence[sequence] = id
        issuedSequences.append(sequence)
        let length = UInt64(request.lengthBytes)
        var notReplicated: UInt32 = 0
        for index in peers.indices { notReplicated |= Self.notReplicatedBit(&peers[index]) }
        // A writer whose own disk failed (detached) misses this write too: its peers track it,
        // so that its disk, attached again from the old metadata, is resynced (DRBD: the writer
        // is one of the "weak nodes" of a diskless Primary's writes).
        if ownDiskAbsent { notReplicated |= 1 << UInt32(config.nodeID.rawValue) }
        let (kind, data): (WriteKind, ByteBuffer) = {
            switch request.operation {
            case .write(let bytes): return (.data, bytes)
            case .trim: return (.trim, ByteBuffer())
            default: return (.zeroes, ByteBuffer())
            }
        }()
        let watermark = peerAckedBelow()
        for index in peers.indices {
            if Self.receivesWrites(&peers[index]) {
                // Every peer acknowledges; with protocol A the client does not wait for it, but
                // the write stays unconfirmed so that losing the peer marks it out of sync. When
                // too many are unconfirmed the write waits like protocol C (bounded memory).
                // Protocol A's promise rests on the writer's own UpToDate copy (DRBD: "local disk
                // and send buffer"): a diskless or not-UpToDate writer has none, and a write that
                // only sits in a send queue is lost when that peer crashes; it waits for the
                // peers' acks like protocol C.
                let asynchronous = peers[index].config.replicationProtocol == .a && disk == .upToDate
                    && peers[index].unconfirmedWrites.count < config.clientRequestsMax
                send(.write(ReplicatedWrite(sequence: sequence, kind: kind, offsetBytes: request.offsetBytes,
                                            lengthBytes: request.lengthBytes, data: data, fua: request.fua,
                                            wantsAck: true, notReplicatedTo: notReplicated,
                                            peerAckedBelow: watermark)), to: peers[index].id)
                requests.values[i].sentTo.insert(peers[index].id)
                if !asynchronous {
                    requests.values[i].waitingPeers.insert(peers[index].id)
                } else {
                    let extents = requests.values[i].extents
                    if let extents { activityLog.hold(extents) }
                    peers[index].unconfirmedWrites.append(UnconfirmedWrite(sequence: sequence, offsetBytes: request.offsetBytes,
                                                                           lengthBytes: length, extents: extents))
                    if peers[index].disk == .upToDate {
                        requests.values[i].durableCopies += 1
                        requests.values[i].sentCopies += 1
                    }
                }
            } else if peers[index].bitmap != nil {
                peers[index].bitmap!.set(peers[index].bitmap!.blocks(offsetBytes: request.offsetBytes, lengthBytes: length))
            }
        }
        if disk.hasDisk {
            requests.values[i].localOp = true
            submitData({ storageWriteAction(id: $0, kind: kind, offsetBytes: request.offsetBytes,
                                            lengthBytes: request.lengthBytes, data: data, fua: request.fua) },
                       offsetBytes: request.offsetBytes, lengthBytes: length, isWrite: true, purpose: .clientWrite(id))
        }
        checkDone(id)
    }

    /// `peer`'s bit in a write's `notReplicatedTo` when it has a disk this write does not reach,
    /// else 0. In place: `for peer in peers` copied each whole peer record (its bitmap, tables
    /// and resync state retained, then released) for every write; perf put those copies at 2 %
    /// of a Primary's CPU at queue depth 32.
    static func notReplicatedBit(_ peer: inout PeerState) -> UInt32 {
        !peer.config.disklessClient && !peer.receivesWrites ? 1 << UInt32(peer.id.rawValue) : 0
    }

    /// `receivesWrites` in place (see `notReplicatedBit`).
    static func receivesWrites(_ peer: inout PeerState) -> Bool { peer.receivesWrites }

    // MARK: Completing

    mutating func checkDone(_ id: ClientRequestID) {
        guard let i = requests.index(forKey: id),
              let pending = withRequest(at: i, { [disk] in PendingRequest.Readiness(&$0, upToDate: disk == .upToDate) }) else { return }
        let copies = pending.durableCopies
        if pending.isWrite && pending.lostCopyWithoutQuorum {
            complete(id, .failed(ClientError(.io, "\(config.resourceName) on \(config.nodeName) lost a replica of the write while without quorum; not acknowledged (it may or may not have reached the disk)")))
            return
        }
        if pending.isWrite && role == .primary && config.quorum != .off && !hasQuorum {
            // DRBD keeps such requests (they may not be acknowledged without quorum): held with
            // suspend-io until quorum returns, failed with io-error.
            if config.onNoQuorum == .suspendIO { return }
            complete(id, .failed(ClientError(.io, "\(config.resourceName) on \(config.nodeName) lost quorum before the write was replicated (on-no-quorum io-error)")))
            return
        }
        if pending.isWrite && copies > 0 && disk.hasDisk && !metadataDurable(pending.ackBarrierVersion) {
            awaitAck(id)
            return
        }
        // The first acknowledgement in a generation this node started clears `generationUnconfirmed`,
        // on disk first when no diskful peer answered the write. Writes issued before the
        // generation (a lost peer's missed copies) belong to the previous one.
        if pending.isWrite && copies > 0 && pending.sequence >= unconfirmedGenerationFirstSequence
            && !generationConfirmedOnDisk(answeredBy: pending.answeredBy) {
            awaitAck(id)
            return
        }
        if pending.isWrite && copies > 0, let generation = pending.lostCopyGeneration,
           !lostCopyGenerationKnown(id, generation: generation, heldBy: pending.heldBy, probe: pending.announcementProbe) {
            return  // held, or failed (`PendingRequest.lostCopyGeneration`)
        }
        if pending.isWrite && copies > 0, let probe = pending.ackProbe,
           !peers.contains(where: { $0.isConnected && $0.disk == .upToDate && $0.lostCopyProbeAnswered >= probe }) {
            // Until a peer holding the write has the out-of-sync ranges, a crash of this node
            // loses the record that the dropped peer lacks it (`PendingRequest.ackProbe`).
            // Waits while an UpToDate peer may still answer (a ping is answered on arrival).
            if peers.contains(where: { $0.isConnected && $0.disk == .upToDate && $0.lostCopyProbeSent >= probe
                                       && $0.lostCopyProbeAnswered < probe }) {
                awaitAck(id)
                return
            }
            // No UpToDate peer it was sent to is left to answer: none may record that the
            // dropped peer lacks the write, which may or may not be on their disks. Failing it
            // is safe (it is not acknowledged) and nothing is left waiting for good.
            complete(id, .failed(ClientError(.io, "\(config.resourceName) on \(config.nodeName) lost the replicas holding the write before they recorded the replica that missed it; not acknowledged (it may or may not have reached their disks)")))
            return
        }
        if pending.isWrite && copies > 0 && ackWaitsForRoleConfirmation() {
            awaitAck(id)
            return
        }
        if pending.isFlush {
            // Counted as for a write: the local flush if it succeeded, each UpToDate peer that
            // flushed (or, with protocol A, was sent the flush). A flush that reached no replica's
            // stable storage is an error: it answered success before, after a failed local
            // `fdatasync` with no peer, and the client took unflushed data for durable.
            complete(id, copies > 0 ? .done : .failed(ClientError(.io, "the flush reached stable storage on no replica of \(config.resourceName)")))
        } else if copies > 0 {
            complete(id, .done)
        } else if pending.localCopyOutdated {
            complete(id, .failed(ClientError(.io, "\(config.resourceName) on \(config.nodeName) became \(disk.rawValue) after the write reached its disk, and no UpToDate replica holds the write; not acknowledged (a resync into this node may overwrite its copy)")))
        } else {
            complete(id, .failed(ClientError(.io, "the write failed on every replica of \(config.resourceName)")))
        }
    }

    mutating func onLocalWriteDone(_ id: ClientRequestID, result: StorageResult) {
        guard let i = requests.index(forKey: id) else { return }
        requests.values[i].localDone = true
        if case .failed = result {
            requests.values[i].localOK = false
            diskFailed()  // marks this write `localFailed` first (`ownCopiesLost`)
        } else {
            requests.values[i].localOK = disk == .upToDate
        }
        checkDone(id)
    }

    /// A protocol A write counts each UpToDate peer's copy when it is sent to it: the promise
    /// rests on this node's own copy and the send buffer (DRBD: "local disk and send buffer";
    /// `issueWrite` sends without that promise when this node is not UpToDate). When the local
    /// write fails the promise has nothing under it: the peer's write may fail too, or the peer
    /// be lost with the write in its queue. The write then waits for every peer it was sent to
    /// that has not answered, as with protocol C, and counts a copy only where an UpToDate peer
    /// acknowledged it; a peer that answered before the failure is not counted (its answer is
    /// not kept): the write fails rather than rest on a copy nobody confirmed. Seed 2975: c8's local write failed on n0, which
    /// acknowledged it on the copy counted when it was sent to n1; n1's disk failed on it too, and
    /// the one copy left was on n3, Outdated (not counted), which a resync overwrote later.
    /// DRBD acknowledges it (protocol A sets RQ_NET_OK when the request is handed to the network).
    ///
    /// The same holds for every write pending when the disk fails, not only the one whose write
    /// failed: one whose local write lands after the failure (or landed before it) is on a disk
    /// that has left (`landedAfterTheFailure`). So `diskFailed` marks them all (`localFailed`,
    /// which keeps `Readiness` from counting the sent copies) before any of its own steps: the
    /// resync connections it drops check the writes waiting for those peers, and one checked
    /// there before it was marked was acknowledged on its sent copy (`completedByTheFailure`).
    mutating func ownCopiesLost() {
        for i in requests.values.indices where requests.values[i].isWrite && requests.values[i].localOp
            && !requests.values[i].localFailed {
            requests.values[i].localFailed = true
            awaitSentCopies(at: i)
        }
    }

    /// Request `i`'s peers counted at sending that have not answered: it waits for them.
    private mutating func awaitSentCopies(at i: Dictionary<ClientRequestID, PendingRequest>.Index) {
        guard requests.values[i].sentCopies > 0 else { return }
        let sequence = requests.values[i].sequence
        for p in peers.indices {
            guard let k = peers[p].unconfirmedWrites.firstIndex(where: { $0.sequence == sequence }) else { continue }
            peers[p].unconfirmedWrites[k].awaited = true
            requests.values[i].waitingPeers.insert(peers[p].id)
        }
    }

    mutating func onLocalReadDone(_ id: ClientRequestID, result: StorageResult) {
        guard requests[id] != nil else { return }
        switch result {
        case .data(let bytes):
            precondition(bytes.count == Int(requests[id]!.request.lengthBytes), "read returned \(bytes.count) B")
            complete(id, .data(bytes))
        case .done:
            preconditionFailure("read completed without data")
        case .failed:
            diskFailed()
            requests[id]!.localOp = false
            sendRemoteRead(id)
        }
    }

    mutating func onLocalFlushDone(_ id: ClientRequestID, result: StorageResult) {
        guard requests[id] != nil else { return }
        requests[id]!.localDone = true
        if case .failed = result { requests[id]!.localOK = false } else { requests[id]!.localOK = true }
        if !requests[id]!.localOK { diskFailed() }
        checkDone(id)
    }

    /// The peer acknowledged `ack.count` consecutive writes from `ack.sequence`. Sequences this
    /// node never issued are ignored (so a run cannot make this loop longer than the writes
    /// issued, whatever its count says).
    mutating func onWriteAck(_ ack: WriteAck, from peer: NodeID) {
        guard let p = peerIndex(peer), ack.count > 0 else { return }
        let (end, overflow) = ack.sequence.addingReportingOverflow(UInt64(ack.count))
        let last = min(overflow ? .max : end, nextWriteSequence)
        guard ack.sequence < last else { return }
        for sequence in ack.sequence..<last { onWriteAck(sequence: sequence, success: ack.success, peer: p) }
    }

    /// One write's ack. Reads and updates the request in place through its table index:
    /// `requests[id]?.…` and `peers.first(where:)` copied the whole request and peer record
    /// (their arrays and payload retained, then released) several times per ack.
    private mutating func onWriteAck(sequence: UInt64, success: Bool, peer p: Int) {
        if !peers[p].unconfirmedWrites.isEmpty,
           let k = peers[p].unconfirmedWrites.firstIndex(where: { $0.sequence == sequence }) {
            let write = peers[p].unconfirmedWrites.remove(at: k)
            if success && !mut("N1") { notePeerHoldsWrite(sequence, peer: p) }
            if let extents = write.extents { activityLog.end(extents) }
            if !success, peers[p].bitmap != nil {
                peers[p].bitmap!.set(peers[p].bitmap!.blocks(offsetBytes: write.offsetBytes, lengthBytes: write.lengthBytes))
            }
            if peers[p].unconfirmedWrites.isEmpty { clearPrimaryMarkOnceConfirmed() }
            guard write.awaited else { return }
        }
        let peer = peers[p].id
        if !writesAwaitingPeers.isEmpty { peerAnsweredWrite(sequence, peer: peer, lacksIt: !success) }
        guard let id = requestsBySequence[sequence], let i = requests.index(forKey: id),
              requests.values[i].waitingPeers.remove(peer) else { return }
        if success {
            if peers[p].disk == .upToDate {
                requests.values[i].durableCopies += 1
                requests.values[i].heldBy.insert(peer)
            }
        } else {
            let request = requests.values[i].request
            recordPeerLacksWrite(offsetBytes: request.offsetBytes, lengthBytes: UInt64(request.lengthBytes),
                                 peer: peer, sentTo: requests.values[i].sentTo)
        }
        checkDone(id)
    }

    mutating func onFlushAck(_ ack: FlushAck, from peer: NodeID) {
        guard let id = requestOrder.first(where: { requests[$0]?.flushNumber == ack.number && requests[$0]?.waitingPeers.contains(peer) == true }) else { return }
        requests[id]!.waitingPeers.remove(peer)
        // A failed flush (the peer's disk failed; it detaches) or one on a peer that is not
        // UpToDate (a resync may still overwrite what it holds) makes nothing durable there.
        if ack.success, let p = peerIndex(peer), peers[p].disk == .upToDate { requests[id]!.durableCopies += 1 }
        checkDone(id)
    }

    mutating func onReadReply(_ reply: RemoteReadReply, from peer: NodeID) {
        guard let id = requestOrder.first(where: { requests[$0]?.remoteRead?.peer == peer && requests[$0]?.remoteRead?.id == reply.id }) else { return }
        let length = Int(requests[id]!.request.lengthBytes)
        requests[id]!.remoteRead = nil
        switch reply.status {
        case .ok where reply.data.count == length: complete(id, .data(reply.data))
        case .zeroes: complete(id, .data(Array(repeating: 0, count: length)))
        default: sendRemoteRead(id)
        }
    }

    mutating func markOutOfSync(_ request: ClientRequest, toward peer: NodeID) {
        markOutOfSync(offsetBytes: request.offsetBytes, lengthBytes: UInt64(request.lengthBytes), toward: peer)
    }

    mutating func markOutOfSync(offsetBytes: UInt64, lengthBytes: UInt64, toward peer: NodeID) {
        guard let index = peerIndex(peer), peers[index].bitmap != nil, lengthBytes > 0 else { return }
        peers[index].bitmap!.set(peers[index].bitmap!.blocks(offsetBytes: offsetBytes, lengthBytes: lengthBytes))
        noteBitsSet(toward: index, offsetBytes: offsetBytes, lengthBytes: lengthBytes)
    }

    /// The peer no longer receives writes: everything still waiting for it is out of sync toward
    /// it, and the next write starts a new generation if we are Primary (unless this node stays
    /// in its unconfirmed one: `staysInUnconfirmedGeneration`). `lackedCurrent`: the peer could
    /// not hold this node's current generation when it stopped (`cannotHoldCurrent`).
    mutating func peerStoppedReceiving(_ peer: NodeID, peerWasUpToDate: Bool, lackedCurrent: Bool) {
        recomputeQuorum()
        var missedWrites = false
        if let i = peerIndex(peer), !peers[i].unconfirmedWrites.isEmpty {
            // Protocol A writes the peer never confirmed: it may not have them.
            missedWrites = true
            for write in peers[i].unconfirmedWrites {
                if peers[i].bitmap != nil {
                    peers[i].bitmap!.set(peers[i].bitmap!.blocks(offsetBytes: write.offsetBytes, lengthBytes: write.lengthBytes))
                }
                let range = OutOfSyncRange(offsetBytes: write.offsetBytes, lengthBytes: write.lengthBytes, node: peer)
                for other in peers where other.id != peer && other.receivesWrites { send(.outOfSync(range), to: other.id) }
                // The bit is set (and goes out with the same metadata write that could evict
                // the extent): the extent may cool down now.
                if let extents = write.extents { activityLog.end(extents) }
            }
            peers[i].unconfirmedWrites = []
            clearPrimaryMarkOnceConfirmed()  // with the bits just set, in one metadata write
        }
        for sequence in Array(writesAwaitingPeers.keys) { peerAnsweredWrite(sequence, peer: peer, lacksIt: true) }
        var lostCopies: [ClientRequestID] = []
        for id in requestOrder {
            guard var pending = requests[id] else { continue }
            if let remote = pending.remoteRead, remote.peer == peer {
                requests[id]!.remoteRead = nil
                sendRemoteRead(id)
                continue
            }
            guard pending.waitingPeers.remove(peer) else { continue }
            if pending.isWrite {
                pending.lostCopy = true
                pending.lostTo.insert(peer)
                if config.quorum != .off && !hasQuorum { pending.lostCopyWithoutQuorum = true }
            }
            requests[id] = pending
            lostCopies.append(id)
            if pending.isWrite {
                missedWrites = true
                recordPeerLacksWrite(offsetBytes: pending.request.offsetBytes, lengthBytes: UInt64(pending.request.lengthBytes),
                                     peer: peer, sentTo: pending.sentTo)
            }
        }
        // DRBD: the first write after losing a peer that had our data starts a new generation.
        if role == .primary, peerWasUpToDate, peers.first(where: { $0.id == peer })?.config.disklessClient == false,
           !staysInUnconfirmedGeneration(losing: peer, lackedCurrent: lackedCurrent) {
            needsNewGeneration = true
            // Writes the peer may have missed already exist: start the new generation now, so the
            // replicas that have them are recognisably newer than the peer (not merely "equal
            // with some bits", where the direction would be a guess).
            if missedWrites && (hasQuorum || config.quorum == .off) {
                if disk.hasDisk {
                    // ... and acknowledge none of them before it is durable: a crash first would
                    // bring this node back at the old generation beside the peer that missed them.
                    let barrier = startNewGeneration()
                    // Nor before a quorum holds it or heard of the new generation
                    // (`PendingRequest.lostCopyGeneration`). Quorum off: no majority to reach.
                    let generation = config.quorum == .off ? nil : generations.current
                    for id in lostCopies where requests[id]?.isWrite == true {
                        requests[id]!.ackBarrierVersion = barrier
                        requests[id]!.lostCopyGeneration = generation
                    }
                } else {
                    announceGenerationFromDiskless()
                    // Behind the out-of-sync ranges and the announcement on each stream: its
                    // answer says the peer has them (`PendingRequest.ackProbe`).
                    let probe = sendLostCopyProbe(toPeersWhere: \.receivesWrites)
                    for id in lostCopies where requests[id]?.isWrite == true { requests[id]!.ackProbe = probe }
                }
            }
        }
        // After the generation decision: completing a write may demote an auto-promoted Primary.
        for id in lostCopies { checkDone(id) }
    }

    /// Acknowledges the writes whose new generation became durable (see `ackBarrierVersion`).
    mutating func releaseAcksAwaitingGeneration() {
        guard !acksAwaitingGeneration.isEmpty else { return }
        let held = acksAwaitingGeneration
        acksAwaitingGeneration = []
        for id in held { checkDone(id) }  // those still not durable come back onto the list
    }

    mutating func onWritersChanged(_ count: Int) {
        precondition(count >= 0, "negative writer count")
        writers = count
        maybeAutoDemote()
    }

    mutating func maybeAutoDemote() {
        guard autoPromoted, role == .primary, writers == 0,
              !requests.values.contains(where: \.isWrite) else { return }
        demote()
    }
}

func storageWriteAction(id: StorageOpID, kind: WriteKind, offsetBytes: UInt64, lengthBytes: UInt32,
                        data: ByteBuffer, fua: Bool) -> StorageAction {
    switch kind {
    case .data: return .write(id: id, offsetBytes: offsetBytes, data: data, fua: fua)
    case .trim: return .trim(id: id, offsetBytes: offsetBytes, lengthBytes: lengthBytes, fua: fua)
    case .zeroes: return .writeZeroes(id: id, offsetBytes: offsetBytes, lengthBytes: lengthBytes, fua: fua)
    }
}
