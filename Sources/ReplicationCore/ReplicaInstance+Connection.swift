import DequeModule

extension ReplicaInstance {
    func peerIndex(_ id: NodeID) -> Int? { peers.firstIndex { $0.id == id } }

    mutating func send(_ message: PeerMessage, to peer: NodeID) {
        if let i = peerIndex(peer) { peers[i].ticksSinceSent = 0 }
        output.messages.append(OutboundMessage(to: peer, message: message))
    }

    /// Sends to every peer whose handshake went out (anything earlier would precede it).
    /// To every peer this node has sent its handshake to, but the peers at the indices `skipped`.
    mutating func broadcast(_ message: PeerMessage, except skipped: Set<Int> = []) {
        for index in peers.indices where !skipped.contains(index) && peers[index].transportUp && peers[index].handshakeSent {
            send(message, to: peers[index].id)
        }
    }

    mutating func broadcastState(except skipped: Set<Int> = []) {
        broadcast(.stateChange(stateReport), except: skipped)
    }

    var stateReport: PeerStateReport {
        PeerStateReport(role: role, disk: disk, current: generations.current, hasQuorum: hasQuorum,
                        outdatedByQuorumLoss: flags.contains(.outdatedWithoutQuorum))
    }

    func makeHandshake(for peer: PeerState) -> Handshake {
        var handshakeFlags: HandshakeFlags = []
        // A crash stays in the handshake until the peer took this node's data since it (seeds
        // 1485 and 1106: a node that had served a resync after its crash, then written, was made
        // the target by that crash and lost the acknowledged write it alone held).
        if crashedAtAttach && !peer.tookDataSinceAttach { handshakeFlags.insert(.crashed) }
        if crashedPrimaryAtAttach && !peer.tookDataSinceAttach && !peer.crashedPrimarySettled { handshakeFlags.insert(.crashedPrimary) }
        if peer.discardMyData { handshakeFlags.insert(.discardMyData) }
        if disk == .inconsistent || disk == .failed { handshakeFlags.insert(.inconsistent) }
        if flags.contains(.primaryLostQuorum) { handshakeFlags.insert(.primaryLostQuorum) }
        if config.disklessClient { handshakeFlags.insert(.disklessClient) }
        if flags.contains(.freshThin) { handshakeFlags.insert(.freshThin) }
        if flags.contains(.outdatedWithoutQuorum) { handshakeFlags.insert(.outdatedByQuorumLoss) }
        // A live Primary does not yield (resyncing into it would change data under its users).
        if flags.contains(.generationUnconfirmed) && role != .primary { handshakeFlags.insert(.generationUnconfirmed) }
        if flags.contains(.diskFailed) { handshakeFlags.insert(.diskFailed) }
        if tookNewerWrites && disk == .inconsistent { handshakeFlags.insert(.tookNewerWrites) }
        return Handshake(nodeID: config.nodeID, volume: config.volume,
                         sizeBytes: disk.hasDisk ? config.sizeBytes : 0,
                         bitmapBlockBytes: config.bitmapBlockBytes, role: role, disk: disk,
                         generations: generations, flags: handshakeFlags,
                         outOfSyncBlocks: peer.bitmap?.setCount ?? 0, crashMarkedBlocks: peer.bitmap?.crashOnlyCount ?? 0,
                         hasQuorum: hasQuorum,
                         lastWriteSequence: nextWriteSequence - 1, replicationProtocol: peer.config.replicationProtocol,
                         supersededGenerations: supersededGenerations)
    }

    // MARK: Transport

    mutating func onTransportUp(_ id: NodeID) {
        guard let i = peerIndex(id) else { return }
        guard peers[i].connection == .connecting else {
            output.transport.append(.disconnect(id))  // not wanted (StandAlone)
            return
        }
        if peers[i].transportUp { resetConnection(i) }
        peers[i].transportUp = true
        peers[i].ticksSinceHeard = 0
        peers[i].pingOutstanding = false
        let handshake = makeHandshake(for: peers[i])
        peers[i].sentHandshake = handshake
        peers[i].handshakeSent = true
        send(.handshake(handshake), to: id)
    }

    mutating func onTransportDown(_ id: NodeID) {
        guard let i = peerIndex(id), peers[i].transportUp || peers[i].handshake != nil else { return }
        resetConnection(i)
        if peers[i].connection == .connected { peers[i].connection = .connecting }
        if peers[i].connection == .disconnecting { peers[i].connection = .standAlone }
        emitConnection(i)
        recomputeQuorum()
    }

    /// Forget everything about the current connection to peer `i` (it went away).
    mutating func resetConnection(_ i: Int) {
        let wasReceiving = peers[i].receivesWrites
        let wasUpToDate = peers[i].disk == .upToDate
        let lackedCurrent = cannotHoldCurrent(i)  // before the replication state is reset
        let wasPrimary = peers[i].role == .primary
        let received = peers[i].lastSequenceReceived
        let streamStart = peers[i].streamStart
        var lastSequence = received
        if let resync = peers[i].resync, resync.isTarget {
            log(.warning, "resync from node \(peers[i].id) interrupted; \(describeBlocks(peers[i].bitmap?.setCount ?? 0)) still out of sync, it resumes on reconnect")
        }
        peers[i].transportUp = false
        peers[i].goodbyeAfterMetadata = nil
        peers[i].upToDateUnreported = false
        peers[i].handshakeSent = false
        peers[i].handshake = nil
        peers[i].sentHandshake = nil
        peers[i].role = .unknown
        peers[i].disk = .dUnknown
        peers[i].peerHasQuorum = false
        peers[i].outdatedByQuorumLoss = false
        peers[i].replication = .off
        peers[i].bitmapSent = false
        peers[i].bitmapReceived = false
        peers[i].plannedSync = .noSync
        peers[i].sourceNotUpToDateAtPlan = false
        peers[i].resync = nil
        markResyncStorageEnded(peer: peers[i].id)
        peers[i].verify = nil
        peers[i].promotionGranted = false
        peers[i].awaitsRoleConfirmation = false
        peers[i].roleProbeSent = 0
        peers[i].announcedGeneration = nil
        peers[i].heldResyncRequests = []
        peers[i].lastSequenceReceived = 0
        peers[i].streamStart = 0
        peers[i].lostCopyProbeSent = 0
        peers[i].lostCopyProbeAnswered = 0
        // An answer held for the old connection would confirm a probe of the next one.
        heldProbeAnswers.removeAll { $0.peer == peers[i].id }
        // A promotion asked on the old connection ends with it (the requester drops this voter).
        heldPromotionVotes.removeAll { $0.peer == peers[i].id }
        let inDoubtWrites = peers[i].unackedPeerWrites
        let inDoubt = takeInDoubtExtents(writer: i)
        peerQueue.removeAll { op in
            guard op.from == peers[i].id else { return false }
            if let extents = op.extents { activityLog.end(extents) }
            // Dropped, never written here: the stream this node kept ends before it (what a
            // lost writer's survivors compare to reconcile their tails).
            if case .write(let write) = op.kind { lastSequence = min(lastSequence, write.sequence - 1) }
            return true
        }
        if wasPrimary && role == .secondary {
            markInDoubtWritesTowardUnreachedPeers(inDoubtWrites, keptThrough: lastSequence, writer: i)
        }
        if wasReceiving { peerStoppedReceiving(peers[i].id, peerWasUpToDate: wasUpToDate, lackedCurrent: lackedCurrent) }
        if let pending = promotion {
            // A yes given on this connection is void: the peer forgot its grant with it and may
            // vote for another requester before it is connected (and asked) again.
            promotion!.granted.removeAll { $0 == peers[i].id }
            if pending.waiting.contains(peers[i].id) {
                promotion!.waiting.removeAll { $0 == peers[i].id }
                finishPromotionIfAnswered()
            }
        }
        // A stream whose writes were all dropped here is announced as 0, so a survivor that wrote
        // them gives them to this node; so is one that never brought a write here (received 0):
        // the writer's first writes may have died on the link to this node while they reached
        // the others (seed 3359: n0's writes 1 and 2 reached n1 and n3, not n2, and n0 crashed;
        // n2, with no tail, sent no writer-lost and decided nothing on theirs, and n1 and n3 left
        // a connected diskful peer to the exchange: block 14 on n1 and n3 only). Survivors that
        // got none either announce 0 too and decide nothing (equal tails and starts). Not from an
        // Inconsistent node that got none: its copy never counted toward an acknowledgement, and
        // its resync source marks the writes in doubt toward it (`writerLostExchangeCannotSettle`).
        // Announced there, the exchange and its withdrawals reshuffled runs into acknowledging no
        // write (fixed seed 7, and resync-lane fixed seed 33: both acknowledge none with this
        // node's Inconsistent announcement; in 7, n1, the finished target of Primary n3, lost n3
        // with received 0 and its writer-lost at tail 0 went to n2, Inconsistent too). Whatever
        // the writer last reported of its quorum: the report that it had quorum again goes out
        // ahead of its next writes on every stream, and can die with this link while those writes
        // reach the others, so "it reported none" does not say it wrote nothing elsewhere (session
        // 23 skipped the announcement there too; no fixed seed needed it, review's mutation).
        if wasPrimary && role == .secondary && (received > 0 || (disk.hasDisk && disk != .inconsistent)) {
            announceWriterLost(writer: peers[i].id, lastSequence: lastSequence, inDoubt: inDoubt,
                               inDoubtWritten: inDoubtWrites.filter { $0.sequence <= lastSequence }, streamStart: streamStart)
        }
        // Without an announcement of this node's own, the peers' writer-losts kept for this
        // writer are not decided here (`deferWriterLost`): the peers get none to decide on either.
        deferredWriterLosts[peers[i].id] = nil
        // Whatever the peer decided on this connection ended with it (`onWriterLost`).
        forgetWriterLostExchange(with: peers[i].id)
        expireSupersededAwaitingWrite(writer: peers[i].id)
        emitPeerDevice(i)
    }

    /// - Parameter renegotiate: this node drops the connection only to run the handshake again
    ///   (new generations, a source that became usable); the peer is back at once, so the
    ///   quorum it loses meanwhile does not outdate this node (which would pause the handshake
    ///   again and loop).
    mutating func dropConnection(_ i: Int, standAlone: Bool, renegotiate: Bool = false) {
        let id = peers[i].id
        let suppressed = quorumOutdateSuppressed
        if renegotiate { quorumOutdateSuppressed = true }
        defer { quorumOutdateSuppressed = suppressed }
        resetConnection(i)
        peers[i].connection = standAlone ? .standAlone : .connecting
        output.transport.append(.disconnect(id))
        if !standAlone { output.transport.append(.connect(id)) }
        emitConnection(i)
        recomputeQuorum()
    }

    // MARK: Messages

    mutating func onMessage(_ message: PeerMessage, from id: NodeID) {
        guard let i = peerIndex(id) else { return }
        guard peers[i].transportUp else { return }  // stale: arrived after we dropped the link
        guard peers[i].connection != .disconnecting else { return }  // refused; waiting for the close
        peers[i].ticksSinceHeard = 0
        peers[i].pingOutstanding = false
        if case .handshake(let handshake) = message {
            onHandshake(handshake, peer: i)
            return
        }
        guard peers[i].handshake != nil else {
            protocolError(i, "sent \(message.name) before its handshake")
            return
        }
        switch message {
        case .handshake: break
        case .stateChange(let report): onStateChange(report, peer: i)
        case .newGeneration(let announcement): onNewGeneration(announcement, from: id)
        case .write(let write): onReplicatedWrite(write, from: i)
        case .writeAck(let ack): onWriteAck(ack, from: id)
        case .flush(let request): peerQueue.append(QueuedPeerOp(from: id, kind: .flush(number: request.number)))
        case .flushAck(let ack): onFlushAck(ack, from: id)
        case .bitmap(let chunk): onBitmapChunk(chunk, peer: i)
        case .outOfSync(let range): onOutOfSync(range, peer: i)
        case .resyncRequest(let request): onResyncRequest(request, peer: i)
        case .resyncReply(let reply): onResyncReply(reply, peer: i)
        case .resyncFinished(let finished): onResyncFinished(finished, peer: i)
        case .verifyRequest(let request): onVerifyRequest(request, peer: i)
        case .verifyReply(let reply): onVerifyReply(reply, peer: i)
        case .readRequest(let request): onRemoteReadRequest(request, peer: i)
        case .readReply(let reply): onReadReply(reply, from: id)
        case .promotionRequest(let request): onPromotionRequest(request, peer: i)
        case .promotionReply(let reply): onPromotionReply(reply, peer: i)
        case .writerLost(let lost): onWriterLost(lost, peer: i)
        case .lostWriterTail(let tail): onLostWriterTail(tail, peer: i)
        case .lostWriterTailAck(let ack): onLostWriterTailAck(ack, peer: i)
        case .goodbye(let goodbye): onGoodbye(goodbye, peer: i)
        case .ping(let value): answerPing(value, peer: i)
        case .pingAck(let value):
            if value & Self.lostCopyProbeFlag != 0 {
                peers[i].lostCopyProbeAnswered = max(peers[i].lostCopyProbeAnswered, value & ~Self.lostCopyProbeFlag)
            } else if value & Self.roleProbeFlag != 0 {
                onRoleProbeAnswer(value, peer: i)
            }
        }
    }

    mutating func protocolError(_ i: Int, _ what: String) {
        log(.error, "node \(peers[i].id) (\(peers[i].config.name)) \(what); dropping the connection")
        dropConnection(i, standAlone: false)
    }

    mutating func onStateChange(_ report: PeerStateReport, peer i: Int) {
        if peers[i].role != .primary, let refusal = secondPrimaryRefusal(peerRole: report.role, peer: i) {
            return deferConnection(i, refusal)
        }
        let wasReceiving = peers[i].receivesWrites
        let wasUpToDate = peers[i].disk == .upToDate
        let lackedCurrent = cannotHoldCurrent(i)
        let before = (role: peers[i].role, disk: peers[i].disk)
        let upToDateWasAssumed = peers[i].upToDateUnreported
        peers[i].upToDateUnreported = false
        peers[i].role = report.role
        peers[i].disk = diskRecorded(for: report, peer: i)
        peers[i].peerHasQuorum = report.hasQuorum
        peers[i].current = report.current
        peers[i].outdatedByQuorumLoss = report.outdatedByQuorumLoss
        peers[i].promotionGranted = false  // a promotion it asked for ended one way or the other
        if wasReceiving && !peers[i].receivesWrites {
            peerStoppedReceiving(peers[i].id, peerWasUpToDate: wasUpToDate, lackedCurrent: lackedCurrent)
        }
        if report.role != before.role { emitConnection(i) }
        if peers[i].disk != before.disk { emitPeerDevice(i) }
        recomputeQuorum()
        if report.role != before.role { withdrawWriterLostIfWriterBack(i) }
        if peers[i].disk == .upToDate && (before.disk != .upToDate || upToDateWasAssumed) { reconcileWhenSourceUpToDate(i) }
    }

    mutating func onNewGeneration(_ announcement: GenerationAnnouncement, from id: NodeID) {
        if let i = peerIndex(id) { peers[i].current = announcement.current }
        let syncing = peers.contains { $0.resync?.isTarget == true }
        let skipInitialSync = announcement.previous.sameHistory(as: .justCreated)
            && generations.current.sameHistory(as: .justCreated) && disk == .inconsistent
        // Only current data moves on to the new generation: an Inconsistent or Outdated replica
        // lacks writes of the old one and stays behind (the writer tracks it as absent).
        guard announcement.previous.sameHistory(as: generations.current), disk.hasDisk,
              disk == .upToDate || skipInitialSync, !syncing else {
            noteSupersededGeneration(announcement, from: id)
            return
        }
        if skipInitialSync {
            disk = .upToDate
            log(.info, "initial sync skipped on request of node \(id): data declared identical (new volume)")
            emitDevice()
        }
        generations.history.insert(generations.current, at: 0)
        if generations.history.count > GenerationSet.historyMax { generations.history.removeLast() }
        generations.current = announcement.current
        // The current generation is the writer's now, not one this node started; but the writer
        // announces it when it starts it, before its own header holding it is durable (its writes
        // wait for that header). Until the first write issued in it arrives (`onReplicatedWrite`)
        // the writer may crash, come back at `previous` having forgotten it, be promoted beside
        // a replica that never heard of it and start a sibling of it: nothing was acknowledged
        // in this one, and this node yields to the sibling as a writer does for a generation
        // it acknowledged nothing in (simulation seed 3112, WriterForgotGenerationTests; without
        // the flag the two children of one parent stopped at `split-brain-common-history`).
        // Not with quorum off, as the writer does not flag its own generation then (an
        // acknowledgement may rest on its disk alone): the split brain stays the operator's call.
        // Policy, not safety: a replica flagged here holds no write of the generation (the first
        // one clears it), so a yield on the flag gives nothing acknowledged away; no test pins it
        // (the simulation runs with quorum; review's mutation, session 25: 0 issues).
        if config.quorum != .off {
            flags.insert(.generationUnconfirmed)
            unconfirmedGenerationFirstSequence = nextWriteSequence
        } else {
            flags.remove(.generationUnconfirmed)
        }
        // Nor one it wrote without quorum as Primary: it followed the writer from the parent
        // both held (UpToDate, connected, not a resync target), and the writer's writes in it are
        // acknowledged with quorum. Kept, the flag (`primaryLostQuorum`) made this node a voter
        // that trusts nothing of its own history (`knowsNewerGeneration`): seed 3010, n2 (flagged
        // since its own tenure, then the source of n0's and n1's resyncs at 9F3D) took n1's D804
        // and voted n0 in at 9F3D, which n1 had lost: n0 wrote a sibling of D804, a split brain
        // with n1 at the heal (StaleLostQuorumVoterTests).
        flags.remove(.primaryLostQuorum)
        // A crash before this attach no longer decides which side of an equal-generation
        // connection yields ("equal-crashed"): from here on this node receives the writer's
        // new generation like its peers, and the blocks its crash may have left different stay
        // marked toward every peer (the activity log applied at attach), so a bitmap resync
        // still brings them in line whichever way it runs. Yielding for that crash let a peer
        // that had dropped the writer's last writes (queued when the writer was lost) overwrite
        // them here: the writer had acknowledged them with this node's copy (simulation seed 25).
        crashedAtAttach = false
        // So does a crash as Primary (DRBD clears it once connected with both disks UpToDate, as
        // this node and the writer are). A peer that never took this node's data meets it at
        // another generation now, where that status decides nothing (the crash's blocks stay
        // marked toward it); kept, it was claimed after this node's next crash against a writer
        // that had acknowledged a write here it never received (protocol A), and resynced that
        // write away (CrashedPrimaryRestartTests, three nodes).
        endCrashedPrimaryStatus()
        if skipInitialSync { adoptedSkippedInitialSync(from: id) }
        for absent in announcement.absentNodes where absent != config.nodeID {
            setBitmapGeneration(absent, to: announcement.previous, onlyIfNone: true)
        }
        writeBarrierVersion = markMetadataDirty()
        // A replica the announcement names absent takes the generation but is Outdated: the
        // writer started it before this node's handshake reached it (the writer's had reached
        // this node), so its writes go around this node, and the writer and its peers track them
        // toward it since `previous`. UpToDate at the writer's current, this node claimed writes
        // it lacked: at the next handshake the holders found their bits older than the current
        // both shared, took them for made stale by a third node's resync (`bitmapIsStale`) and
        // dropped them, an acknowledged write lost (seed 764; scenario
        // absent_in_announcement_outdated). Outdated at the current, the bits toward it count
        // (`bitmapIsStale` spares an Outdated peer), the next handshake with a holder resyncs
        // them (`equal-peer-outdated`), and it is neither promoted nor a resync source meanwhile.
        // Not taking the generation leaves it UpToDate at `previous`, where the writer's later
        // announcements no longer chain (measured with the announcement withheld, the same
        // state: seed 488's node voted another node in at the parent, a split brain). DRBD
        // likewise gives a peer waiting for the bitmap (WFBitMapT, at most Outdated) the new
        // current UUID it receives (`drbd_uuid_received_new_current`). Its peers hear it Outdated
        // in the one state report (`becomeOutdated` sends it), never UpToDate at the new current.
        if announcement.absentNodes.contains(config.nodeID), let i = peerIndex(id) {
            becomeOutdated(newerPeer: i)
        } else {
            broadcastState()
        }
    }

    /// A replica that stays behind a new generation (a resync target, an Outdated replica) is
    /// still sent the writer's writes and acknowledges them: it is part of the writer's majority.
    /// Quorum is safe only if a later majority, which shares a node with this one, cannot promote
    /// a replica that lacks those writes, and this node may be the only one shared. So it keeps
    /// the generation the writer left behind: a replica still there gets no promotion vote from
    /// this node (`knowsNewerGeneration`). Not in `generations`: its bitmap slots and history
    /// name ancestors of its own current generation, which the handshake compares, and this
    /// node does not hold the newer data. Durable (the metadata header's
    /// `supersededGenerations`): a rolling restart of the shared nodes forgot it and let a
    /// stale replica promote (`SupersededRestartTests`). The writer's writes that follow the
    /// announcement on this stream wait for that metadata write (`writeBarrierVersion`, as
    /// `processPeerQueue` holds every queued peer write), so no write of the newer generation
    /// is acknowledged by a node that could still forget it was superseded. DRBD's SyncTarget
    /// only notes the new UUID as its peer's, and counts toward quorum all the same
    /// (`quorum-minimum-redundancy` is its remedy).
    ///
    /// Until a write arrives (`confirmSupersededAwaitingWrite`) a note new from a protocol C
    /// writer's announcement is provisional: see `supersededAwaitingWrite`.
    mutating func noteSupersededGeneration(_ announcement: GenerationAnnouncement, from writer: NodeID) {
        guard noteSuperseded(announcement.previous), let w = peerIndex(writer),
              peers[w].config.replicationProtocol != .a else { return }
        supersededAwaitingWrite.append(SupersededAwaitingWrite(generation: announcement.previous, writer: writer))
    }

    /// A write arrived: this node may acknowledge it, so every provisional note stands
    /// (`supersededAwaitingWrite`). Any write, not only the announcing writer's: one Primary at
    /// a time, and a later one writing here continues from the announced generation or past it.
    mutating func confirmSupersededAwaitingWrite() {
        supersededAwaitingWrite.removeAll()
    }

    /// The connection to `writer` ended before any write arrived after its announcement: this
    /// node answered no write of the writer's new generation and was in no quorum that
    /// acknowledged one (a protocol C write waits for the answer of every replica connected
    /// when it is acknowledged, and quorum counts only connected replicas), so no acknowledged
    /// write rests on its refusal. Kept, the note refused every requester at the generation for
    /// good, this node's own promotion too, once the writer had forgotten its new generation or
    /// died with it: seed 1482 (n0 crashed before its header held 0DB9 and came back at 8E3B,
    /// where n1 refused it and every other replica from then on), seed 781 (the diskless Primary
    /// n3 announced 9D2C, lost quorum and crashed; n2, a resync target that crashed twice since,
    /// refused every replica at ED21, where all of them came back to). Removed from disk too,
    /// with the next metadata write: a note voided in memory only came back with n2's crash. A
    /// writer met again past the generation notes it again in the handshake
    /// (`noteSupersededGenerations`), which rides the next metadata write as any note learnt
    /// there does. A metadata write of its own here, or a write barrier before a Primary's
    /// writes at that handshake, each moved fixed seed 7 to acknowledging no write.
    mutating func expireSupersededAwaitingWrite(writer: NodeID) {
        let expired = supersededAwaitingWrite.filter { $0.writer == writer }.map(\.generation)
        guard !expired.isEmpty else { return }
        supersededAwaitingWrite.removeAll { $0.writer == writer }
        supersededGenerations.removeAll { note in expired.contains { $0.sameHistory(as: note) } }
        let past = expired.map(\.description).joined(separator: ", ")
        let name = peerIndex(writer).map { " (\(peers[$0].config.name))" } ?? ""
        log(.info, "node \(writer)\(name) announced a new generation past \(past) and its connection ended before any write of it arrived here: \(config.nodeName) no longer refuses a replica at \(past)")
    }

    /// The same knowledge from a handshake: a newer peer whose history runs through this node's
    /// current generation shows that a writer moved past it and past each generation between
    /// (this node becomes its resync target). An announcement that would have said so can be
    /// lost with its link, and the next handshake is then the only news: seed 2698's n0, a
    /// resync target at 40B9A978, learnt A13496CB (from 5C9C77A7) by handshake, noted only the
    /// later announcement's A13496CB, and voted in a replica at 5C9C77A7 (a failed disk back from
    /// its record) while the writer's A01712E6 was down: a sibling of A13496CB, a split brain
    /// (FailedDiskReattachedPromotedTests). A peer whose line does not pass through this node's
    /// current (another branch, history cut short) says nothing about it.
    ///
    /// Not written on its own: the notes ride the next metadata write (the Outdate's, the
    /// resync's, the next activity-log change). A crash before it forgets them, which leaves this
    /// node where it was without this rule. A metadata write of their own per handshake moved
    /// the simulation's timing: fixed seeds 7 and 497 then acknowledged no write (SIM_TRACE=all
    /// of seed 7 against the run without the rule: the two part at that one extra write on n0).
    mutating func noteSupersededGenerations(passedBy peer: Handshake) {
        let mine = generations.current
        guard !peer.generations.current.sameHistory(as: mine),
              let at = peer.generations.history.firstIndex(where: { $0.sameHistory(as: mine) }) else { return }
        for generation in peer.generations.history[...at].reversed() {
            noteSuperseded(generation, writeNow: false)
            // A replica holds the newer data: not provisional (`supersededAwaitingWrite`).
            supersededAwaitingWrite.removeAll { $0.generation.sameHistory(as: generation) }
        }
    }

    /// `writeNow`: an announcement is followed on its stream by the writer's writes, which must
    /// not be acknowledged before the note is durable (`writeBarrierVersion`).
    /// Returns whether the generation was not noted before.
    @discardableResult
    mutating func noteSuperseded(_ generation: Generation, writeNow: Bool = true) -> Bool {
        guard disk.hasDisk, disk == .inconsistent || disk == .outdated, !generation.isNone,
              !generation.sameHistory(as: .justCreated),
              !supersededGenerations.contains(where: { $0.sameHistory(as: generation) }) else { return false }
        supersededGenerations.append(generation)
        if supersededGenerations.count > GenerationSet.historyMax { supersededGenerations.removeFirst() }
        if writeNow { writeBarrierVersion = markMetadataDirty() }
        return true
    }

    /// Bits toward a peer set while Established (a write the writer could not send it, a peer
    /// ack that never came) are not resynced by anything else: once the connection has been
    /// idle of resync for a ping interval, reconnect so that the handshake plans a resync.
    mutating func resyncLeftoverBits(_ i: Int) {
        guard peers[i].isConnected, peers[i].replication == .established, disk == .upToDate,
              peers[i].disk == .upToDate, let bitmap = peers[i].bitmap, !bitmap.isClear,
              peers[i].verify == nil, now % UInt64(max(config.pingIntervalTicks, 1)) == 0 else { return }
        log(.info, "\(describeBlocks(bitmap.setCount)) out of sync toward node \(peers[i].id) (\(peers[i].config.name)) while connected; reconnecting to resync them")
        dropConnection(i, standAlone: false, renegotiate: true)
    }

    // MARK: Keep-alive

    mutating func onTick() {
        now += 1
        for i in peers.indices {
            if peers[i].connection == .disconnecting && peers[i].transportUp {
                peers[i].ticksConnecting += 1
                if peers[i].ticksConnecting > config.pingTimeoutTicks { dropConnection(i, standAlone: true) }
                continue
            }
            if peers[i].transportUp {
                peers[i].ticksSinceHeard += 1
                peers[i].ticksSinceSent += 1
                if peers[i].pingOutstanding && peers[i].ticksSinceHeard > config.pingIntervalTicks + config.pingTimeoutTicks {
                    log(.warning, "node \(peers[i].id) (\(peers[i].config.name)) did not answer a ping within \(config.pingTimeoutTicks) ticks; reconnecting")
                    dropConnection(i, standAlone: false)
                    continue
                }
                if peers[i].handshakeSent && !peers[i].pingOutstanding && peers[i].ticksSinceHeard >= config.pingIntervalTicks {
                    peers[i].pingOutstanding = true
                    send(.ping(now), to: peers[i].id)
                }
            }
            retryDeferredConnection(i)
            tickResync(i)
            retryHeldResyncRequests(i)
            resyncLeftoverBits(i)
        }
        tickPromotion()
    }
}

/// A superseded note this node may still drop (`ReplicaInstance.supersededAwaitingWrite`):
/// `generation`, which `writer` announced it moved past.
struct SupersededAwaitingWrite: Sendable {
    var generation: Generation
    var writer: NodeID
}
