extension ReplicaInstance {
    mutating func onHandshake(_ handshake: Handshake, peer i: Int) {
        let name = "node \(peers[i].id) (\(peers[i].config.name))"
        if handshake.protocolVersion != replicationProtocolVersion {
            return refuseConnection(i, "\(name) speaks replication protocol version \(handshake.protocolVersion), this engine speaks \(replicationProtocolVersion); upgrade one of them")
        }
        if handshake.nodeID != peers[i].id {
            return refuseConnection(i, "the peer configured as \(name) says it is node \(handshake.nodeID); check the node ids in the resource file")
        }
        if handshake.volume != config.volume {
            return refuseConnection(i, "\(name) offers volume \(handshake.volume), expected \(config.volume)")
        }
        if handshake.sizeBytes != 0 && disk.hasDisk && handshake.sizeBytes != config.sizeBytes {
            return refuseConnection(i, "\(name) has a \(handshake.sizeBytes) B volume, this node \(config.sizeBytes) B; resize them to the same size")
        }
        if handshake.bitmapBlockBytes != config.bitmapBlockBytes {
            return refuseConnection(i, "\(name) uses \(handshake.bitmapBlockBytes) B bitmap blocks, this node \(config.bitmapBlockBytes) B")
        }
        if handshake.replicationProtocol != peers[i].config.replicationProtocol {
            // Retried rather than StandAlone (DRBD's answer): in a rolling `adjust` one end has
            // the new protocol before the other, and the connection comes back by itself once
            // both have it. The other end refuses this node's handshake alike.
            return deferConnection(i, "\(name) replicates with protocol \(handshake.replicationProtocol.rawValue) and this node with protocol \(peers[i].config.replicationProtocol.rawValue) on the connection between them; both ends must use the same (set 'protocol' alike in the resource on both nodes and run 'tandem adm adjust \(config.resourceName)')")
        }
        guard var mine = peers[i].sentHandshake else {
            return protocolError(i, "sent a handshake before the transport was up")
        }
        noteGenerationConfirmed(by: handshake)
        var handshake = handshake
        if handshake.role == .primary && mine.role == .primary {
            // Both Primary: the one without quorum yields (DRBD force-secondary); otherwise refuse.
            if !mine.hasQuorum && handshake.hasQuorum {
                mine.role = .secondary
                if role == .primary { forceSecondary(because: "\(name) is Primary with quorum") }
            } else if mine.hasQuorum && !handshake.hasQuorum {
                handshake.role = .secondary
            } else {
                return refuseConnection(i, "both this node and \(name) are Primary; demote one with 'tandem adm secondary \(config.resourceName)' and connect again")
            }
        }
        if peers[i].handshake != nil { return protocolError(i, "sent a second handshake") }
        if let refusal = secondPrimaryRefusal(peerRole: handshake.role, peer: i) { return deferConnection(i, refusal) }
        if handshake.role == .primary && !handshake.hasQuorum && currentMoved(since: mine) {
            // A Primary without quorum counted this node on the handshake this node sent, at a
            // generation it has left since (it voted another node in and took that one's new
            // generation). Planned now, the Primary would take this node's commitment (its
            // bitmap, then its answer to the role ping) as given at the old generation and
            // acknowledge its held writes beside the other Primary (TwoPrimariesTests, seed
            // 1068). DRBD commits a connection cluster-wide, and no new current UUID is made
            // while one runs: fresh handshakes both ways carry what each holds now.
            log(.info, "\(name) is Primary without quorum and this node's handshake said generation \(mine.generations.current), left since for \(generations.current); renegotiating")
            return dropConnection(i, standAlone: false, renegotiate: true)
        }
        peers[i].joinedOutdatedAt = nil
        joinBesideDisklessPrimary(i, mine: mine, peer: &handshake)
        peers[i].handshake = handshake
        peers[i].role = handshake.role
        peers[i].disk = handshake.disk
        peers[i].peerHasQuorum = handshake.hasQuorum
        peers[i].current = handshake.generations.current
        peers[i].outdatedByQuorumLoss = handshake.flags.contains(.outdatedByQuorumLoss)
        peers[i].connection = .connected
        // Counted at once, but until it shows it took this node's role no write is acknowledged
        // on a quorum that needs it (`ackWaitsForRoleConfirmation`).
        peers[i].awaitsRoleConfirmation = role == .primary && !hasQuorum
        peers[i].deferredBecause = nil
        peers[i].leftOutdated = false
        peers[i].lastSequenceReceived = handshake.lastWriteSequence
        peers[i].streamStart = handshake.lastWriteSequence
        negotiate(i, mine: mine, peer: handshake)
        emitConnection(i)
        emitPeerDevice(i)
        recomputeQuorum()
        skipInitialSyncIfAllFresh()
        withdrawWriterLostIfWriterBack(i)
    }

    /// The connection must not proceed: StandAlone until the operator acts. Our handshake went
    /// out before this close, so the peer reaches (and reports) the same conclusion — DRBD used
    /// to detect split brain on one node only.
    mutating func refuseConnection(_ i: Int, _ reason: String) {
        log(.error, "\(config.resourceName): \(reason); connection is StandAlone")
        peers[i].needsOperator = reason
        dropConnection(i, standAlone: true)
    }

    /// Stale bits toward peer `i` were just dropped: the third replica's resync brought the peer
    /// everything that replica held. A write this node issued before the peer connected and that
    /// is still in flight may not have reached that replica when it served the block (it is on
    /// the link, or the replica is lost before it arrives), and this node's bit was then the
    /// only record of what the peer lacks (scenario bits_kept_after_third_party_resync, seed 194).
    /// Those blocks are marked again, at the current generation, so the bitmap exchange that
    /// follows resyncs exactly them. Keeping every stale bit instead made each of a returning
    /// node's peers resync the same blocks again (8 MiB for a 1 MiB write in a 9-node mesh).
    /// Known gap: a write that completed after the third replica's resync of the peer ended but
    /// before this handshake is covered only if that replica received it (it then tracks it
    /// toward the peer at the current generation) or its loss started a new generation (the
    /// currents then differ and nothing here is stale). DRBD settles it per block: a resync
    /// source tells its peers which blocks it brought in sync (P_PEERS_IN_SYNC).
    mutating func keepInFlightWritesOutOfSync(toward i: Int) -> UInt64 {
        let peer = peers[i].id
        for index in requests.indices {
            let pending = requests.values[index]
            guard pending.isWrite, pending.phase == .started,
                  !pending.sentTo.contains(peer) else { continue }
            markOutOfSync(pending.request, toward: peer)
        }
        keepCrashExtentsOutOfSync(toward: i)
        let kept = peers[i].bitmap!.setCount
        if kept > 0 { setBitmapGeneration(peer, to: generations.current, onlyIfNone: false) }
        return kept
    }

    /// Stale bits toward peer `i` were just dropped, and this node's own crash may have left the
    /// blocks of its activity log different from every other replica: the third replica's resync
    /// brought the peer that replica's data, not this node's, so those blocks are marked again
    /// (the invariant `onNewGeneration` relies on: a crash's blocks stay marked toward every peer
    /// until a resync covers them). Dropped with the rest, a restarted crashed Primary whose bits
    /// toward a peer were older than its current kept its last unacknowledged write while the
    /// peer, resynced from a survivor, did not (seed 174 under the full-sync resume measured on
    /// branch `simliveness-combo`: UpToDate replicas differing; on main the full-sync bits toward
    /// a third node happened to resync the block).
    mutating func keepCrashExtentsOutOfSync(toward i: Int) {
        for extent in crashExtents { markExtentOutOfSync(extent, toward: i) }
    }

    /// Whether this node's current generation moved (it took a third node's new generation, or
    /// started one) since it sent `sent`, the handshake both ends of a connection plan from.
    /// DRBD makes no new current UUID while a connect runs; where a plan would rest on the old
    /// one, fresh handshakes both ways carry what each holds now.
    func currentMoved(since sent: Handshake) -> Bool {
        !sent.generations.current.sameHistory(as: generations.current)
    }

    /// Decide what the new connection does from the two handshakes.
    mutating func negotiate(_ i: Int, mine: Handshake, peer: Handshake) {
        let bothDiskful = mine.sizeBytes != 0 && peer.sizeBytes != 0 && peers[i].bitmap != nil
        guard bothDiskful else {
            peers[i].replication = .established
            return
        }
        var result = GenerationComparison.compare(mine: mine, peer: peer,
                                                  asynchronous: peers[i].config.replicationProtocol == .a)
        let name = "node \(peers[i].id) (\(peers[i].config.name))"
        if !result.decision.isSource && currentMoved(since: mine) {
            // This node's current moved since its handshake went out (it took a third node's new
            // generation, or started one), and the plan both ends read from that handshake does
            // not make it the source: as the target it would yield its newer generation's data
            // to a peer planned against the older one, and a split brain or a standoff would be
            // judged on a generation it has left. Seed 1807: n2, at 247F, was made n1's target by
            // `equal-lower-node-id` at A62B; interrupted, it was Inconsistent at 247F, the "newer"
            // peer of every consistent replica, and nothing converged. Seed 790
            // (TwoPrimariesTests): a peer that connected while a promotion waited. The engine
            // tier's nine-node check (StaleHandshakeResyncTests): a returning node, UpToDate from
            // one peer's resync, took the same blocks again from each peer whose handshake it
            // planned against the one it sent before that resync ended. DRBD makes no
            // new current UUID while a connect runs; fresh handshakes both ways carry what each
            // holds now. Not where it is the source: its data is newer than the plan says, never
            // older, and it serves what its bitmap and the plan's full sync cover; renegotiating
            // there too (every moved current, nbdpath-1807's rule) changed the runs everywhere and
            // made UpToDate replicas differ in seed 621 (see SimulationTests).
            log(.info, "connected to \(name) with a handshake at \(mine.generations.current), now at \(generations.current); planned \(result.decision) by rule \(result.rule) from it: renegotiating")
            return dropConnection(i, standAlone: false, renegotiate: true)
        }
        if GenerationComparison.bitmapIsStale(of: mine, toward: peer) {
            let dropped = peers[i].bitmap!.setCount
            peers[i].bitmap!.clearAll()
            setBitmapGeneration(peers[i].id, to: .none, onlyIfNone: false)
            let kept = keepInFlightWritesOutOfSync(toward: i)
            markMetadataDirty()
            log(.info, "\(name) reached generation \(peer.generations.current) through a resync from another node: the \(describeBlocks(dropped)) this node tracked for it since generation \(mine.generations.bitmapGeneration(for: peer.nodeID)) are not resynced again" + (kept > 0 ? ", except the \(describeBlocks(kept)) of writes still in flight here" + (crashExtents.isEmpty ? "" : " or of its own crash") : ""))
        }
        if result.decision == .targetUseBitmap && disk == .inconsistent {
            // Continue an interrupted resync: whatever this node lacks is marked in one of its
            // bitmaps (the one toward its former source, not necessarily this peer); offer the
            // union to this source.
            for j in peers.indices where j != i && peers[j].bitmap != nil {
                peers[i].bitmap!.or(words: peers[j].bitmap!.words, firstWord: 0)
            }
        }
        switch result.decision {
        case .splitBrain:
            let iDiscard = mine.flags.contains(.discardMyData)
            let peerDiscards = peer.flags.contains(.discardMyData)
            // A full resync where the bitmaps do not cover both sides' changes (common history,
            // an Inconsistent side): planned from them, the discarding side kept the blocks no bit
            // names and ended UpToDate different from its source (CommonHistoryDiscardTests).
            if iDiscard && !peerDiscards && role != .primary {
                result = GenerationComparison.discardResolution(of: result, mine: mine, peer: peer, iDiscard: true)
                log(.warning, "split brain with \(name) resolved: this node discards its changes (--discard-my-data) and resyncs from \(name)" + (result.decision == .targetFull ? " in full" : ""))
            } else if peerDiscards && !iDiscard {
                result = GenerationComparison.discardResolution(of: result, mine: mine, peer: peer, iDiscard: false)
                log(.warning, "split brain with \(name) resolved: \(name) discards its changes and resyncs from this node" + (result.decision == .sourceFull ? " in full" : ""))
            } else {
                return refuseConnection(i, Self.splitBrainText(
                    name: name, resource: config.resourceName, rule: result.rule, mine: mine, peer: peer,
                    mineChanged: describeBlocks(peers[i].bitmap?.setCount ?? 0), peerChanged: describeBlocks(peer.outOfSyncBlocks)))
            }
        case .unrelated:
            return refuseConnection(i, "\(name) holds unrelated data for \(config.resourceName) (no generation in common); refusing to connect. If \(name) should be overwritten, run 'tandem adm invalidate \(config.resourceName)' there first")
        case .bothJustCreated:
            // Neither side has usable data for the other: nothing to sync now; renegotiated once
            // one has (the end of a resync into either side, `adoptGenerations`).
            if result.rule != .bothJustCreated && result.rule != .bothInconsistent {
                log(.info, "connected to \(name): neither side is the other's source (rule \(result.rule)); planned again once one of them has been resynced")
            }
            peers[i].replication = .established
            peers[i].plannedSync = .bothJustCreated
            peers[i].discardMyData = false
            return
        default: break
        }
        if result.decision.isTarget && role == .primary && mine.flags.contains(.primaryLostQuorum) && !hasQuorum {
            // DRBD on-suspended-primary-outdated force-secondary: none of its held or failed
            // writes was acknowledged; it yields to the partition that kept quorum.
            forceSecondary(because: "\(name) holds newer data written with quorum (rule \(result.rule))")
        }
        if result.decision.isTarget && role == .primary {
            return refuseConnection(i, "\(name) has newer data but this node is Primary; resyncing into a Primary would change data under its users. Demote this node ('tandem adm secondary \(config.resourceName)') and connect again")
        }
        // A discard stands until a resync into this node ends: the target keeps its own
        // generation meanwhile (DRBD's takes the source's sync UUID at the start), so an
        // interrupted one meets its winner as the same split brain at the next connect, and its
        // handshake says again that it yields. Spent at the resync's end (`adoptGenerations`).
        peers[i].discardMyData = result.rule == .splitBrainDiscardMine
        peers[i].plannedSync = result.decision
        peers[i].syncOnlyIfBits = result.onlyIfBits
        peers[i].sourceNotUpToDateAtPlan = false
        // Generations say the peer is newer: Outdated at once. (Equal generations decide the
        // direction only if bits turn up in the bitmap exchange; the resync then makes this node
        // Inconsistent, and until then promotion is refused while the exchange is pending.)
        if result.decision.isTarget && !result.onlyIfBits {
            becomeOutdated(newerPeer: i)
            noteSupersededGenerations(passedBy: peer)
        }
        if !mut("M2"), result.rule == .selfInconsistentChildOfPeerCurrent {
            // This node yields its newer generation to a replica at the parent and takes that
            // parent at the resync's end, forgetting the child: a writer moved past the parent,
            // and the child's acknowledged writes may be on the writer alone. Noted, this node
            // refuses its vote to a replica at the parent (`knowsNewerGeneration`) as a replica
            // that missed the child's announcement does, rather than vote it in beside the
            // writer's newer data (a split brain at the writer's return). Durable with the
            // header that holds the parent as its current (`adoptGenerations`).
            noteSuperseded(peer.generations.current, writeNow: false)
        }
        let source = result.decision.isSource ? mine : peer
        let sourceInconsistent = source.flags.contains(.inconsistent) || source.disk == .outdated
        if sourceInconsistent && result.decision.isSource && disk == .upToDate {
            // The handshake this node sent said it was not UpToDate, but it became UpToDate
            // before the peer's arrived (an empty bitmap exchange with another, UpToDate peer,
            // or its return from a quorum Outdate). The ways back to UpToDate renegotiate only
            // connections already paused then, so a pause now would last for good
            // (Integration/engine-faults: alpha showed beta PausedSyncS after q3 came back up;
            // scenario paused_source_resumes_after_stale_handshake). Plan again from what it is.
            log(.info, "connected to \(name): \(result.decision) by rule \(result.rule) from the handshake this node sent before it was UpToDate; renegotiating")
            return dropConnection(i, standAlone: false, renegotiate: true)
        }
        if sourceInconsistent && result.onlyIfBits && mine.outOfSyncBlocks == 0 && peer.outOfSyncBlocks == 0 {
            // Equal generations: the direction holds only for bits the exchange finds (DRBD
            // exchanges bitmaps on every connect before any resync; with no bits the connection
            // is Established, and a resync dependency pauses only a resync with blocks to move).
            // Pausing before the exchange left the pause for good when this node became
            // UpToDate another way first (Integration/engine-faults q3: an Outdated alpha paused
            // toward beta, then its empty exchange with gamma made it UpToDate; scenario
            // equal_generations_exchange_before_pause). `finishBitmapExchange` pauses on bits.
            // Only when neither handshake reports bits: an exchange that then pauses leaves both
            // sides tracking the union, and the next plan could turn from `equal-*-tracks-changes`
            // to `equal-lower-node-id`, the other direction; with bits the pause comes first.
            peers[i].sourceNotUpToDateAtPlan = true
            log(.info, "connected to \(name): \(result.decision) by rule \(result.rule) if the bitmap exchange finds bits, which then wait until the source is UpToDate")
        } else if sourceInconsistent {
            // The side that should be the source is itself being synchronised: wait until it is
            // UpToDate, then renegotiate (the end of its resync, or its return from a quorum
            // Outdate, drops this connection).
            peers[i].replication = result.decision.isTarget ? .pausedSyncT : .pausedSyncS
            log(.info, "connected to \(name): \(result.decision) by rule \(result.rule), paused until the source is UpToDate")
            return
        }
        if !peers[i].sourceNotUpToDateAtPlan { log(.info, "connected to \(name): \(result.decision) by rule \(result.rule)") }
        if result.decision == .sourceFull || result.decision == .targetFull {
            peers[i].bitmap!.setAll()
        }
        peers[i].replication = result.decision.isTarget ? .wfBitMapT : .wfBitMapS
        let chunks = peers[i].bitmap!.chunks()
        for chunk in chunks { send(.bitmap(chunk), to: peers[i].id) }
        peers[i].bitmapSent = true
    }

    mutating func onBitmapChunk(_ chunk: BitmapChunk, peer i: Int) {
        confirmRoleByBitmap(from: i)
        // Established: the peer invalidated its disk (`adm invalidate`) and resyncs from here.
        let invalidated = peers[i].replication == .established && peers[i].resync == nil
        guard peers[i].bitmap != nil, peers[i].replication == .wfBitMapS || peers[i].replication == .wfBitMapT
                || peers[i].resync != nil || invalidated else {
            return
        }
        let wordCount = peers[i].bitmap!.words.count
        guard chunk.words.count <= BitmapChunk.wordsMax, Int(chunk.firstWord) + chunk.words.count <= wordCount else {
            return protocolError(i, "sent a bitmap chunk beyond the end of the volume")
        }
        peers[i].bitmap!.or(words: chunk.words, firstWord: Int(chunk.firstWord))
        if let resync = peers[i].resync {
            // A source answering "finished" with bits it still has: keep going.
            if resync.isTarget && chunk.isLast { peers[i].resync!.finishing = false; peers[i].resync!.cursor = 0 }
            return
        }
        guard chunk.isLast else { return }
        if invalidated {
            // Its bits are this node's bits toward it now (cleared as the resync reads go
            // out), so this side is SyncSource with progress, as in DRBD. (Not UpToDate here:
            // its requests get failed replies, there is nothing to show progress of.)
            if disk == .upToDate && peers[i].bitmap!.setCount > 0 { startResync(i, asTarget: false) }
            return
        }
        peers[i].bitmapReceived = true
        finishBitmapExchange(i)
    }

    mutating func finishBitmapExchange(_ i: Int) {
        let decision = peers[i].plannedSync
        let bits = peers[i].bitmap!.setCount
        if peers[i].syncOnlyIfBits && bits == 0 {
            peers[i].replication = .established
            // Not beside a Primary at another generation: a diskless one made this node Outdated
            // at their handshake (`joinBesideDisklessPrimary`), and an UpToDate peer still at this
            // node's generation does not hold the Primary's data either (seed 1067: n2 UpToDate
            // again at F38F beside n1 while the Primary wrote 4F4B, then split brain with n1).
            if decision.isTarget && disk == .outdated && peers[i].disk == .upToDate && !connectedPrimaryWritesAnotherGeneration {
                // Same generation as an UpToDate peer and nothing out of sync: current again.
                disk = .upToDate
                markMetadataDirty()
                broadcastState()
                emitDevice()
                log(.info, "same generation as node \(peers[i].id) (\(peers[i].config.name)), UpToDate, and nothing out of sync: UpToDate again")
                // A connection that paused waiting for this node as its source (it was Outdated)
                // plans again, as after a quorum loss (`returnFromQuorumOutdate`): left paused,
                // its target stayed behind an UpToDate source for good
                // (PausedSourceUpToDateAgainTests). Since equal-generation plans exchange bitmaps
                // first (`negotiate`), only a pause with bits is left to plan again; renegotiating
                // every only-if-bits pause here (fb473cb, before that) made fixed seeds 33 and
                // 497 acknowledge no write.
                for j in peers.indices where j != i && peers[j].replication == .pausedSyncS {
                    dropConnection(j, standAlone: false, renegotiate: true)
                }
            }
            // Both UpToDate at one generation with nothing out of sync: the peer holds this
            // node's data, as a finished resync from here would have left it (DRBD clears
            // CRASHED_PRIMARY once both disks are UpToDate, resync or not). Unsettled, a crashed
            // Primary that met its peer with nothing to resync kept its status on disk and, after
            // its next crash, was the protocol A source over writes that peer acknowledged as
            // Primary meanwhile (CrashedPrimaryServedTests).
            if disk == .upToDate && peers[i].disk == .upToDate { peerTookData(i) }
            emitPeerDevice(i)
            return
        }
        if peers[i].sourceNotUpToDateAtPlan {
            // Bits, and the source was not UpToDate when both sides planned: both wait. Decided
            // from the handshakes, not from the source's disk now, so that both ends agree. A
            // source that has become UpToDate meanwhile plans again at once, since the ways
            // back to UpToDate renegotiate only connections already paused then.
            if decision.isSource && disk == .upToDate {
                log(.info, "\(describeBlocks(bits)) out of sync with node \(peers[i].id) (\(peers[i].config.name)), and this node is UpToDate since the handshake: renegotiating")
                return dropConnection(i, standAlone: false, renegotiate: true)
            }
            peers[i].replication = decision.isTarget ? .pausedSyncT : .pausedSyncS
            log(.info, "\(describeBlocks(bits)) out of sync with node \(peers[i].id) (\(peers[i].config.name)): paused until the source is UpToDate")
            emitPeerDevice(i)
            return
        }
        startResync(i, asTarget: decision.isTarget)
    }

    mutating func onOutOfSync(_ range: OutOfSyncRange, peer i: Int) {
        guard range.lengthBytes > 0, range.offsetBytes <= config.sizeBytes,
              range.lengthBytes <= config.sizeBytes - range.offsetBytes else {
            return protocolError(i, "marked a range beyond the end of the volume out of sync")
        }
        guard let j = peerIndex(range.node), peers[j].bitmap != nil else { return }
        let blocks = peers[j].bitmap!.blocks(offsetBytes: range.offsetBytes, lengthBytes: range.lengthBytes)
        // The write may be older than every extent of this node's activity log: a bit its crash
        // set there, set again now, changes no bitmap word, and a crash before the next header
        // would read it back as the crash's (the header still listing it, format 4). That header
        // is due now.
        if peers[j].bitmap!.crashMarks(in: blocks).crashOnly { markMetadataDirty() }
        peers[j].bitmap!.set(blocks)
        noteBitsSet(toward: j, offsetBytes: range.offsetBytes, lengthBytes: range.lengthBytes)
        // The writer sends these only to nodes that got the write (`recordPeerLacksWrite`, a lost
        // peer's protocol A writes): this node holds it, and its resync source `j` does not. The
        // bit just set toward `j` is one the resync fetches from `j`: its older data overwrote the
        // write here, the resync ended UpToDate without it, and the acknowledged write was lost
        // (seed 1570: n1, SyncTarget of n0, took n0's block 9 over n2's c195 after n2 said n0
        // lacked it). The resync is abandoned as for a write not replicated to its source.
        if peers[j].resync?.isTarget == true { abandonResync(from: j, missingWritesOf: i) }
    }

    /// A peer holds newer data (or, with equal generations, is the resync source): until a
    /// resync makes this node current again its data is Outdated (DRBD). Durable, so that a crash
    /// or a lost connection before the resync cannot bring it back as UpToDate, promotable, and
    /// starting a generation of its own beside the newer one (a split brain that loses the
    /// newer node's acknowledged writes).
    mutating func becomeOutdated(newerPeer i: Int) {
        if flags.contains(.outdatedWithoutQuorum) {
            // Now it knows a newer peer exists: only a resync makes it current again.
            flags.remove(.outdatedWithoutQuorum)
            markMetadataDirty()
        }
        outdate(.info, "node \(peers[i].id) (\(peers[i].config.name)) holds newer data: Outdated until the resync from it", because: .peerHasNewerData)
    }

    /// UpToDate or Consistent data no longer counts: Outdated, said once in the log and to every
    /// peer. A disk already Outdated takes the new cause (the operator's next step is the one it
    /// names: a newer peer to resync from, rather than the graceful leave before it).
    mutating func outdate(_ level: LogLevel, _ reason: String, because cause: DiskReason) {
        if disk == .outdated && outdatedReason != cause {
            outdatedReason = cause
            emitDevice()
        }
        guard disk == .upToDate || disk == .consistent else { return }
        disk = .outdated
        outdatedReason = cause
        markMetadataDirty()
        log(level, reason)
        broadcastState()
        emitDevice()
        emitResource()
    }

    /// The split-brain refusal, by the rule that found it. Two children of one parent
    /// (`split-brain-same-parent`): it names the parent, from which both sides' bitmaps count
    /// what each changed. Common history: it names the newest generation both hold, since which
    /// no bitmap counted both sides' changes (a count would say 0 KiB, a slot's generation
    /// 0000000000000000 or one the peer never held). Where a discard would resync in full
    /// (`GenerationComparison.discardResyncsBitmaps`) it says so.
    static func splitBrainText(name: String, resource: String, rule: GenerationComparison.Rule, mine: Handshake,
                               peer: Handshake, mineChanged: String, peerChanged: String) -> String {
        let since: String
        if rule == .splitBrainSameParent {
            let parent = mine.generations.bitmapGeneration(for: peer.nodeID)
            let full = GenerationComparison.discardResyncsBitmaps(rule, mine: mine, peer: peer)
                ? "" : "; one side is Inconsistent, holding blocks no bitmap between the two marks, so the side whose changes are thrown away gets a full resync"
            since = "since generation \(parent) (this node changed \(mineChanged), \(name) changed \(peerChanged))\(full)"
        } else {
            // `split-brain-common-history` is decided only where both hold a generation.
            let common = GenerationComparison.newestCommonGeneration(mine, peer) ?? .none
            since = "since generation \(common), the newest both hold; no bitmap counts both sides' changes since then, so how much each side changed is not known, and the side whose changes are thrown away gets a full resync"
        }
        return "split brain detected with \(name): both nodes wrote independently \(since); nothing was merged. To resolve, on the node whose changes are to be thrown away run 'tandem adm disconnect \(resource)' and 'tandem adm connect --discard-my-data \(resource)', then 'tandem adm connect \(resource)' on the other"
    }

    func describeBlocks(_ blocks: UInt64) -> String {
        "\(blocks * UInt64(config.bitmapBlockBytes) / 1024) KiB"
    }
}
