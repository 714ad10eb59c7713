import DequeModule
extension ReplicaInstance {
    mutating func onAdmin(_ command: AdminCommand, id: AdminRequestID) {
        switch command {
        case .primary(let force):
            if role == .primary { return reply(id, .done) }
            if promotion != nil { return reply(id, .refused("a promotion of \(config.resourceName) is already in progress")) }
            if let refusal = promotionRefusal(force: force) { return reply(id, .refused(refusal)) }
            beginPromotion(force: force, adminID: id, automatic: false)
        case .secondary: adminSecondary(id)
        case .connect(let peer, let discard): adminConnect(peer, discardMyData: discard, id: id)
        case .disconnect(let peer): adminDisconnect(peer, id: id)
        case .invalidate: adminInvalidate(id)
        case .verify(let peer): adminVerify(peer, id: id)
        case .attach(let metadata): adminAttach(metadata, id: id)
        case .detach: adminDetach(id)
        case .skipInitialSync: adminSkipInitialSync(id)
        }
    }

    mutating func reply(_ id: AdminRequestID, _ result: AdminResult) {
        output.adminReplies.append(AdminReply(id: id, result: result))
    }

    func targets(_ peer: NodeID?) -> [Int] {
        peers.indices.filter { peer == nil || peers[$0].id == peer }
    }

    mutating func adminSecondary(_ id: AdminRequestID) {
        guard role == .primary else { return reply(id, .done) }
        if writers > 0 {
            return reply(id, .refused("\(config.resourceName) is open for writing by \(writers) client(s) on \(config.nodeName); close them before demoting"))
        }
        if requests.values.contains(where: \.isWrite) {
            return reply(id, .refused("\(config.resourceName) has writes in flight; retry when they complete"))
        }
        demote()
        reply(id, .done)
    }

    mutating func demote() {
        role = .secondary
        autoPromoted = false
        needsNewGeneration = false
        if flags.contains(.primary) {
            // Back from a crash with the mark still on disk, this node would claim a Primary
            // crash over the next Primary's writes: the vote for it waits for this header.
            // While a peer has not confirmed a protocol A write, the mark stays on disk
            // (`clearPrimaryMarkOnceConfirmed`).
            if !clearPrimaryMarkOnceConfirmed() { markMetadataDirty() }
        } else {
            markMetadataDirty()
        }
        broadcastState()
        emitResource()
    }

    /// A demoted node whose peers have not all confirmed its protocol A writes keeps the Primary
    /// mark on disk until they have (an ack, or the peer's loss with the write's bit set): a
    /// crash meanwhile brings it back as a crashed Primary, the source at an equal generation
    /// with protocol A (`equal-crashed-primary-protocol-a`). Cleared at once, a peer lost after
    /// the demotion left the write's bit in memory only; a crash before the next metadata write
    /// brought it back re-marked by the activity log as the crash's, and at one generation with
    /// a peer whose bits were also only its crash's, `equal-lower-node-id` could make the peer
    /// that lacks the write the source: the acknowledged write was resynced away on every replica
    /// (EqualGenerationBitsTieTests.missedWriteBitNotOnDiskAfterDemotion). True when it cleared.
    @discardableResult
    mutating func clearPrimaryMarkOnceConfirmed() -> Bool {
        guard role != .primary, flags.contains(.primary),
              !peers.contains(where: { !$0.unconfirmedWrites.isEmpty }) else { return false }
        flags.remove(.primary)
        noteCrashedPrimaryStateChanged()
        return true
    }

    /// Demoted, with the Primary mark still on disk for unconfirmed protocol A writes
    /// (`clearPrimaryMarkOnceConfirmed`): promotion votes wait as for its clearing header.
    var primaryMarkAwaitsPeers: Bool { role != .primary && flags.contains(.primary) }

    mutating func adminConnect(_ peer: NodeID?, discardMyData: Bool, id: AdminRequestID) {
        let chosen = targets(peer)
        if chosen.isEmpty { return reply(id, .refused("node \(peer.map(\.description) ?? "?") is not a peer of \(config.resourceName)")) }
        if discardMyData && role == .primary {
            return reply(id, .refused("--discard-my-data is refused on a Primary; demote \(config.resourceName) on \(config.nodeName) first"))
        }
        for i in chosen {
            if discardMyData { peers[i].discardMyData = true }
            // A goodbye still waiting for its metadata write: the peer is left first (it then
            // counts this node as Outdated, which it is), and connected again below.
            if peers[i].goodbyeAfterMetadata != nil { dropConnection(i, standAlone: true) }
            if peers[i].connection == .standAlone || peers[i].connection == .disconnecting {
                peers[i].connection = .connecting
                peers[i].needsOperator = nil
                output.transport.append(.connect(peers[i].id))
                emitConnection(i)
            }
        }
        reply(id, .done)
    }

    mutating func adminDisconnect(_ peer: NodeID?, id: AdminRequestID) {
        let chosen = targets(peer)
        if chosen.isEmpty { return reply(id, .refused("node \(peer.map(\.description) ?? "?") is not a peer of \(config.resourceName)")) }
        // A Secondary that leaves the Primary is Outdated, on disk before its goodbyes say so
        // (ReplicaInstance+Goodbye.swift): they wait for that metadata write.
        let leavesPrimary = chosen.contains { peers[$0].connection != .standAlone && peers[$0].isConnected && peers[$0].role == .primary }
        let outdatedVersion = leavesPrimary ? outdateLeavingPrimary(why: "left the Primary", toldBy: Set(chosen)) : nil
        for i in chosen where peers[i].connection != .standAlone {
            peers[i].deferredBecause = nil  // not retrying any more: the operator's disconnect is why
            if peers[i].transportUp && peers[i].handshakeSent {
                if let version = outdatedVersion {
                    peers[i].connection = .disconnecting
                    peers[i].goodbyeAfterMetadata = version
                    emitConnection(i)
                    continue
                }
                send(.goodbye(Goodbye(outdated: goodbyeSaysOutdated)), to: peers[i].id)
            }
            dropConnection(i, standAlone: true)
        }
        reply(id, .done)
    }

    mutating func adminInvalidate(_ id: AdminRequestID) {
        guard disk.hasDisk else { return reply(id, .refused("\(config.resourceName) has no disk on \(config.nodeName) to invalidate")) }
        guard role != .primary else { return reply(id, .refused("invalidate is refused on a Primary; demote first")) }
        guard let i = peers.indices.first(where: { peers[$0].isConnected && peers[$0].disk == .upToDate && peers[$0].bitmap != nil
                                                 && peers[$0].replication == .established }) else {
            // A peer that could be the source but is busy verifying or resyncing gets its own
            // message: "connect one first" would send the operator after the wrong problem.
            if let busy = peers.first(where: { $0.isConnected && $0.disk == .upToDate && $0.replication != .established }) {
                return reply(id, .refused("\(config.resourceName) is \(busy.replication.rawValue) with node \(busy.id) (\(busy.config.name)); "
                                          + "invalidate once that ends ('tandem adm status \(config.resourceName)' shows replication:Established)"))
            }
            return reply(id, .refused("no connected UpToDate peer to resync \(config.resourceName) from; connect one first"))
        }
        peers[i].bitmap!.setAll()
        if !peers.indices.contains(where: { $0 != i && peers[$0].resync?.isTarget == true }) {
            // DRBD sends the invalidated bitmap to the source, which then shows SyncSource and
            // the progress too (it serves the requests either way). Sent ahead of this node's
            // new state, so the source goes from Established straight to SyncSource. (A resync
            // that waits for another source starts later from a handshake, which sends bitmaps.)
            for chunk in peers[i].bitmap!.chunks() { send(.bitmap(chunk), to: peers[i].id) }
        }
        startResync(i, asTarget: true)
        reply(id, .done)
    }

    mutating func adminVerify(_ peer: NodeID?, id: AdminRequestID) {
        let chosen = targets(peer)
        if chosen.isEmpty {
            return reply(id, .refused(peer.map { "node \($0) is not a peer of \(config.resourceName)" }
                                      ?? "\(config.resourceName) has no peers to verify against"))
        }
        guard disk == .upToDate else {
            return reply(id, .refused("online verify needs this node's disk UpToDate; on \(config.nodeName) it is \(disk.rawValue)"))
        }
        var started = 0
        var skipped: [String] = []
        for i in chosen {
            if startVerify(i) { started += 1 } else { skipped.append(verifyObstacle(i)) }
        }
        if started == 0 {
            // Which condition failed, per peer: the operator's next step differs (connect it,
            // wait for its resync, or there is nothing to verify against).
            return reply(id, .refused("online verify needs a connected UpToDate peer in replication Established: "
                                      + skipped.joined(separator: "; ")))
        }
        reply(id, .done)
    }

    /// Why `startVerify` would not start toward peer `i`, in status's words.
    func verifyObstacle(_ i: Int) -> String {
        let peer = "node \(peers[i].id) (\(peers[i].config.name))"
        if !peers[i].isConnected { return "the connection to \(peer) is \(peers[i].connection.rawValue)" }
        if peers[i].disk != .upToDate { return "the disk of \(peer) is \(peers[i].disk.rawValue)" }
        if peers[i].replication != .established {
            return "replication with \(peer) is \(peers[i].replication.rawValue); verify once it is Established"
        }
        return "this node keeps no bitmap toward \(peer)"
    }

    mutating func adminAttach(_ metadata: PersistedMetadata, id: AdminRequestID) {
        if disk.hasDisk { return reply(id, .refused("\(config.resourceName) already has a disk attached on \(config.nodeName)")) }
        if config.disklessClient { return reply(id, .refused("\(config.nodeName) is configured as a diskless client of \(config.resourceName)")) }
        do { try metadata.validate(against: config) } catch { return reply(id, .refused("cannot attach: \(error)")) }
        loadMetadata(metadata)
        markMetadataDirty()
        for i in peers.indices where peers[i].transportUp { dropConnection(i, standAlone: false, renegotiate: true) }
        emitDevice()
        recomputeQuorum(outdateOnLoss: false)
        reply(id, .done)
    }

    mutating func adminDetach(_ id: AdminRequestID) {
        guard disk.hasDisk else { return reply(id, .done) }
        if role == .primary && !peers.contains(where: { $0.receivesWrites && $0.disk == .upToDate }) {
            return reply(id, .refused("detaching the only UpToDate disk of Primary \(config.resourceName) would lose access to the data"))
        }
        if !dataOrder.isEmpty || metadataInFlight != nil || !peerQueue.isEmpty {
            return reply(id, .refused("I/O is in flight on \(config.resourceName); retry in a moment"))
        }
        activityLog.clearIdle()
        flags.remove([.attached, .primary])
        var words: [PeerBitmapWords] = []
        for i in peers.indices where peers[i].bitmap != nil { words += peers[i].bitmap!.takeDirtyWords(peer: peers[i].id) }
        // The header as it stands (the superseded generations too), with an empty activity log.
        var header = metadataHeader()
        header.activityLog = []
        let opID = newStorageID()
        metadataVersion += 1
        metadataInFlight = (opID, metadataVersion)
        storageInFlight[opID] = InFlightStorage(purpose: .metadata(version: metadataVersion))
        output.storage.append(.writeMetadata(id: opID, MetadataUpdate(header: header, bitmapWords: words)))
        disk = .diskless
        for i in peers.indices { peers[i].bitmap = nil }
        broadcastState()
        emitDevice()
        recomputeQuorum()
        reply(id, .done)
    }

    mutating func adminSkipInitialSync(_ id: AdminRequestID) {
        guard disk.hasDisk, generations.current.sameHistory(as: .justCreated) else {
            return reply(id, .refused("skipping the initial sync needs a new, never synchronised volume; \(config.resourceName) already holds data"))
        }
        let previous = generations.current
        _ = startNewGeneration()
        disk = .upToDate
        broadcast(.newGeneration(GenerationAnnouncement(current: generations.current, previous: previous, absentNodes: [])))
        broadcastState()
        emitDevice()
        reply(id, .done)
    }

    // MARK: Promotion

    func promotionRefusal(force: Bool) -> String? {
        if role == .primary { return nil }
        if let primary = peers.first(where: { $0.isConnected && $0.role == .primary }) {
            return "node \(primary.id) (\(primary.config.name)) is Primary for \(config.resourceName); only one writer at a time. Demote it ('tandem adm secondary \(config.resourceName)' there) first"
        }
        // (A SyncTarget is Inconsistent and a paused one Outdated; the bitmap exchange of equal
        // generations is the window where the disk still says UpToDate.)
        if let source = peers.first(where: { $0.replication == .wfBitMapT }) {
            return "\(config.nodeName) is waiting for a resync of \(config.resourceName) from node \(source.id) (\(source.config.name)), which holds newer data"
        }
        if let pending = peers.first(where: { $0.promotionGranted }) {
            return "node \(pending.id) (\(pending.config.name)) is becoming Primary for \(config.resourceName)"
        }
        if config.quorum != .off && !hasQuorum {
            return "\(config.nodeName) has no quorum for \(config.resourceName) (it sees too few of its replicas); promoting it could split the data"
        }
        if disk.hasDisk {
            if disk != .upToDate && !force {
                return "the local disk of \(config.resourceName) is \(disk.rawValue), not UpToDate; wait for the resync, or use 'primary --force' to declare this node's data current"
            }
            // The promotion-vote rule (`knowsNewerGeneration`) applied to this node itself: it
            // acknowledged a writer's writes past this generation without holding them, and yet
            // came to be UpToDate at it (resynced, after a restart, from a peer that never saw the
            // writer's newer generation). Its data lacks acknowledged writes; with its own vote
            // it would complete a majority that excludes every node refusing the others. DRBD
            // keeps no such memory (`quorum-minimum-redundancy` is its knob for this hole).
            if !force, supersededGenerations.contains(where: { $0.sameHistory(as: generations.current) }) {
                return "the data of \(config.resourceName) on \(config.nodeName) is at generation \(generations.current), which a Primary moved past with writes this node acknowledged but does not hold; connect that Primary's node (it resyncs this one), or use 'primary --force' to declare this node's data current (those writes are then lost)"
            }
        } else if !peers.contains(where: { $0.isConnected && $0.disk == .upToDate }) {
            return "\(config.nodeName) has no disk and no UpToDate peer of \(config.resourceName) is connected"
        } else if let behind = upToDatePeerBehindDisklessGeneration {
            return "\(config.nodeName) has no disk, and its connected UpToDate peers of \(config.resourceName) are behind generation \(generations.current), which its own disk held: node \(peers[behind].id) (\(peers[behind].config.name)) is at \(peers[behind].current), without that generation's acknowledged writes. Attach the disk of \(config.nodeName) again, or connect a replica at \(generations.current), first"
        }
        return nil
    }

    /// A diskless node whose disk left it at generation G (detached, failed) that reaches UpToDate
    /// peers only at an ancestor of G (in its history): the first such peer, while none is at G. Promoted, it would serve that peer's data, which
    /// lacks G's acknowledged writes, and `announceGenerationFromDiskless`, finding no peer at G,
    /// would chain a sibling of G from the peer's generation: a split brain when a replica at G
    /// returns (simulation seed 1900, DisklessPromotedBehindTests). DRBD's diskless Primary uses
    /// only peers at the data it exposes ("Can only connect to data with current UUID"). A peer at
    /// a generation this node does not know is not judged: it may have moved on from G while this
    /// node had no disk (the history of a node without a disk stops where its disk left), and a
    /// diskless client knows no history at all. A generation this node wrote after losing quorum
    /// as Primary, or with no write acknowledged yet, holds nothing acknowledged that the peer
    /// lacks (`knowsNewerGeneration` shares the first exemption, a generation written after losing
    /// quorum, not the second).
    var upToDatePeerBehindDisklessGeneration: Int? {
        let mine = generations.current
        guard !disk.hasDisk, !mine.isNone, !mine.sameHistory(as: .justCreated),
              !flags.contains(.primaryLostQuorum), !flags.contains(.generationUnconfirmed) else { return nil }
        let upToDate = peers.indices.filter { peers[$0].isConnected && peers[$0].disk == .upToDate }
        guard !upToDate.contains(where: { peers[$0].current.sameHistory(as: mine) }) else { return nil }
        return upToDate.first { generations.historyHolds(peers[$0].current) }
    }

    mutating func beginPromotion(force: Bool, adminID: AdminRequestID?, automatic: Bool) {
        let waiting = peers.filter(\.isConnected).map(\.id)
        let id = nextPromotionID
        nextPromotionID += 1
        promotion = PendingPromotion(id: id, waiting: waiting, startTick: now, force: force, adminID: adminID, automatic: automatic)
        let data = disk.hasDisk ? generations.current : disklessDataGeneration ?? .none
        for peer in waiting { send(.promotionRequest(PromotionRequest(id: id, dataGeneration: data)), to: peer) }
        finishPromotionIfAnswered()
    }

    mutating func finishPromotionIfAnswered() {
        guard let pending = promotion, pending.waiting.isEmpty else { return }
        promotion = nil
        if let refusal = promotionRefusal(force: pending.force) ?? promotionVoteShortfall(pending) {
            return failPromotion(pending, refusal)
        }
        // A peer connected now that did not vote yes (it connected after the request went out)
        // may have voted another node in meanwhile (`ackWaitsForRoleConfirmation`).
        for j in peers.indices {
            peers[j].awaitsRoleConfirmation = peers[j].isConnected && !pending.granted.contains(peers[j].id)
            peers[j].roleProbeSent = 0
        }
        role = .primary
        autoPromoted = pending.automatic
        // The crashed-Primary mark (DRBD MDF_PRIMARY_IND) says this disk may hold writes acknowledged
        // here that no peer has. Until its first write this node has acknowledged nothing as
        // Primary: the mark goes on disk before that write is issued (`startWrite`). Written now,
        // a crash before any write made this node the protocol A source at the same generation,
        // over an acknowledged write of the writer before it that it never received or had not
        // yet written (ProtocolADemotedWriterTests; DRBD loses it too). Bits toward an absent
        // peer may be this node's own unconfirmed writes from an earlier tenure: then it is
        // written now, as DRBD does (bits toward a connected peer are a resync into it, an
        // Inconsistent target that the crash rules do not decide). Without protocol A toward any
        // peer and with every peer connected it is written now too: there a crashed Primary
        // yields as any crashed node does, and the tenure's first write need not wait for it.
        let absentPeers = peers.indices.filter { !peers[$0].config.disklessClient && !peers[$0].receivesWrites }
        let asynchronous = peers.contains { $0.config.replicationProtocol == .a }
        if absentPeers.contains(where: { (peers[$0].bitmap?.setCount ?? 0) > 0 }) || (absentPeers.isEmpty && !asynchronous) {
            flags.insert(.primary)
        }
        flags.remove(.primaryLostQuorum)
        writeBarrierVersion = markMetadataDirty()
        if !absentPeers.isEmpty || ownDiskAbsent { needsNewGeneration = true }
        if pending.force && disk.hasDisk && disk != .upToDate {
            // Reconnect first so that the peers learn the new generation from a handshake (and
            // sync from it) rather than from an announcement.
            for i in peers.indices where peers[i].isConnected && peers[i].bitmap != nil { dropConnection(i, standAlone: false) }
            disk = .upToDate
            _ = startNewGeneration()
            log(.warning, "\(config.resourceName) forced Primary on \(config.nodeName): its data is now the source of truth")
            emitDevice()
        }
        if let adminID = pending.adminID { reply(adminID, .done) }
        broadcastState()
        emitResource()
    }

    mutating func failPromotion(_ pending: PendingPromotion, _ reason: String) {
        promotion = nil
        if let adminID = pending.adminID { reply(adminID, .refused(reason)) }
        // Writes that waited for an automatic promotion fail with the reason.
        for id in requestOrder where requests[id]?.phase == .queued && requests[id]?.isWrite == true {
            complete(id, .failed(ClientError(.notPermitted, "auto-promote failed: \(reason)")))
        }
        broadcastState()  // releases grants given by peers
    }

    mutating func tickPromotion() {
        guard let pending = promotion, now - pending.startTick > UInt64(config.promotionTimeoutTicks) else { return }
        failPromotion(pending, "peers \(pending.waiting.map(\.description).joined(separator: ",")) did not answer the promotion request in time")
    }

    /// `heldSince`: the tick a vote held for metadata first arrived (`answerHeldPromotionVotes`).
    mutating func onPromotionRequest(_ request: PromotionRequest, peer i: Int, heldSince: UInt64? = nil) {
        let requester = peers[i].id
        func answer(_ granted: Bool, _ reason: String) {
            send(.promotionReply(PromotionReply(id: request.id, granted: granted, reason: reason)), to: requester)
        }
        if role == .primary {
            return answer(false, "node \(config.nodeID) (\(config.nodeName)) is Primary for \(config.resourceName); only one writer at a time. Demote it ('tandem adm secondary \(config.resourceName)' there) first")
        }
        if let mine = promotion {
            if requester > config.nodeID { return answer(false, "node \(config.nodeID) (\(config.nodeName)) is being promoted at the same time") }
            failPromotion(mine, "node \(requester) (\(peers[i].config.name)) is being promoted at the same time")
        }
        if let primary = peers.first(where: { $0.isConnected && $0.role == .primary && $0.id != requester }) {
            // One Primary cluster-wide: the requester may not see it (partition), this node does.
            return answer(false, "node \(primary.id) (\(primary.config.name)) is Primary for \(config.resourceName) (seen from node \(config.nodeID)); only one writer at a time")
        }
        if servesResync(to: i) || knowsNewerGeneration(than: i, data: request.dataGeneration) {
            return answer(false, promotionBehindText(requester: i, data: request.dataGeneration))
        }
        if let newer = peerMovedPast(requester: i) {
            return answer(false, "node \(peers[newer].id) (\(peers[newer].config.name)) moved past the generation of node \(requester) (\(peers[i].config.name)) (seen from node \(config.nodeID)); wait for the resync")
        }
        if let other = peers.first(where: { $0.promotionGranted && $0.id != requester }) {
            return answer(false, "node \(other.id) (\(other.config.name)) is becoming Primary")
        }
        if holdPromotionVote(request, peer: i, since: heldSince ?? now) { return }
        peers[i].promotionGranted = true
        answer(true, "")
    }

    /// The refusal of a requester behind this node's knowledge. A requester with a disk gets the
    /// resync into it. One without a disk has no resync of its own to wait for: it would expose
    /// the data of the UpToDate replicas it reaches (`data`), which lack writes this node knows
    /// of, so it waits for one of them to be resynced to the newer data, or for a replica holding
    /// it (its own disk, attached again, if it does) to be connected. `data` names a generation:
    /// a node without a disk asks for votes only while a connected UpToDate peer holds the data
    /// it would expose (`promotionRefusal` runs before every `beginPromotion`), and
    /// `disklessDataGeneration` then gives that peer's generation or its own, never none. (A
    /// branch for none read "would expose no UpToDate replica's data, which lacks writes": it
    /// could not run, and said nothing if it had.)
    func promotionBehindText(requester i: Int, data: Generation) -> String {
        let requester = "node \(peers[i].id) (\(peers[i].config.name))"
        let voter = "node \(config.nodeID) (\(config.nodeName))"
        guard !peers[i].disk.hasDisk else {
            return "\(requester) has not yet received the newer data of \(voter); wait for the resync"
        }
        return "\(requester) has no disk and would expose the data of its UpToDate peers at generation \(data), which lacks writes \(voter) knows were made since; connect it to a replica that holds them, or wait until the UpToDate replicas it reaches are resynced to them"
    }

    /// This node's generations show that peer `i` is behind: its current generation is one this
    /// node has moved past (in the history), or the one this node tracks its missed writes
    /// against. A promotion vote is a quorum vote, and quorum is only safe if every majority
    /// shares a node with the writer's last majority *and that node says no* to a requester
    /// lacking the writes it acknowledged. The connection's handshake would make the requester
    /// Outdated too, but that comes only with a renegotiation after this node moved to a new
    /// generation (an announcement naming the requester absent), and a promotion may be in
    /// flight meanwhile. DRBD has no such check (its default quorum counts any connected
    /// replica; `quorum-minimum-redundancy` is its knob for this hole).
    ///
    /// A requester without a disk (diskless client, failed or detached disk) exposes the data of
    /// the UpToDate peers it writes through: it is judged by `data`, the generation its request
    /// names (`disklessDataGeneration`), not by its current, which says only where its disk left
    /// it. Exempt, as it was until protocol 23, it was promoted on data a writer had moved past
    /// (seed 2975, DisklessPromotedPastSupersededTests: n1, its disk failed at C08D, was voted in
    /// through n2, UpToDate at C08D, by n3, Outdated at C08D with the acknowledged c8 of 1DBE as its
    /// one copy; n3 knew C08D superseded, and was resynced from n2 without c8). A voter without a
    /// disk judges too: its generations are where its disk left it (or its announcements as a
    /// diskless Primary), and a requester behind them lacks writes acknowledged there (n0, the
    /// writer of 1DBE, its disk failed after c8, also voted n1 in). Its superseded list is the one
    /// its disk's metadata held. A diskless client keeps no history: it refuses nothing here. The
    /// bitmap clause speaks of the requester's own disk and needs this node's bitmaps: both disks.
    func knowsNewerGeneration(than i: Int, data: Generation) -> Bool {
        let requesterHasDisk = peers[i].disk.hasDisk
        let theirs = requesterHasDisk ? peers[i].current : data
        guard !theirs.isNone, !theirs.sameHistory(as: .justCreated) else { return false }
        if mut("Q1") && flags.contains(.primaryLostQuorum) { return false }
        // This node may be stuck at that generation itself (a resync target), and still know
        // that a writer moved past it. The note is another writer's news (its announcement, a
        // newer peer's handshake), not this node's own history, so it stands beside the flag
        // below: resync-lane seed 64 (with announcements held until durable), n0, a resync
        // target flagged since its own tenure, had noted n1's C534 -> 66D7 and voted n2 in at
        // C534: a sibling of 66D7, a split brain at the heal.
        if supersededGenerations.contains(where: { $0.sameHistory(as: theirs) }) { return true }
        // A generation this node wrote after losing quorum as Primary was never acknowledged
        // and yields at the next handshake: it proves nothing newer.
        guard !flags.contains(.primaryLostQuorum) else { return false }
        guard !theirs.sameHistory(as: generations.current) else { return false }
        if generations.historyHolds(theirs) { return true }
        guard disk.hasDisk, requesterHasDisk else { return false }
        let tracked = generations.bitmapGeneration(for: peers[i].id)
        return !tracked.isNone && tracked.sameHistory(as: theirs)
    }

    mutating func onPromotionReply(_ reply: PromotionReply, peer i: Int) {
        guard let pending = promotion, pending.id == reply.id, pending.waiting.contains(peers[i].id) else { return }
        if !reply.granted { return failPromotion(pending, reply.reason) }
        promotion!.granted.append(peers[i].id)
        promotion!.waiting.removeAll { $0 == peers[i].id }
        finishPromotionIfAnswered()
    }
}
