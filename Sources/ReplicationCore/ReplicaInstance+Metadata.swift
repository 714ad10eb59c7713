extension ReplicaInstance {
    mutating func loadMetadata(_ metadata: PersistedMetadata) {
        let h = metadata.header
        generations = h.generations
        flags = h.flags
        supersededGenerations = h.supersededGenerations
        crashedAtAttach = h.flags.contains(.attached)
        crashedPrimaryAtAttach = h.flags.contains(.primary) || h.flags.contains(.crashedPrimary)
        flags.remove(.primary)
        if crashedPrimaryAtAttach { flags.insert(.crashedPrimary) }
        flags.insert(.attached)
        // Consistent data comes back with the quality it had; it is decided again on connect.
        disk = h.disk
        outdatedReason = nil  // a state read from disk: why it was Outdated is not kept there
        capByFailureRecord()
        diskFailedGeneration = flags.contains(.diskFailed) ? generations.current : nil
        activityLog = ActivityLog(extentBytes: config.activityLogExtentBytes,
                                  extentsMax: config.activityLogExtentsMax, extents: h.activityLog)
        // A crash as Primary found now is new to every peer; one kept from before stays settled
        // toward the peers that took this node's data since.
        let settled = h.flags.contains(.primary) ? [] : h.crashedPrimarySettledPeers
        for index in peers.indices {
            peers[index].crashedPrimarySettled = crashedPrimaryAtAttach && settled.contains(peers[index].id)
            peers[index].tookDataSinceAttach = false  // a crash found at this attach is new to every peer
            // Holds on the previous log (a disk attached anew) mean nothing in this one.
            for k in peers[index].unconfirmedWrites.indices { peers[index].unconfirmedWrites[k].extents = nil }
        }
        for index in peers.indices where !peers[index].config.disklessClient {
            let words = metadata.bitmaps.first { $0.peer == peers[index].id }?.words
            peers[index].bitmap = OutOfSyncBitmap(blockCount: config.blockCount,
                                                  blockBytes: UInt64(config.bitmapBlockBytes), words: words)
        }
        // An earlier crash's blocks not resynced since are still only that crash's, whatever
        // happened to this node in between (a clean restart, another crash) — if the bits on
        // disk are the ones the header listed them with: an update whose bitmap pages landed
        // without its header (a crash between the two) may have set a missed write's bit there.
        // Then none is adopted: every bit counts as a missed write's, as before format 4.
        if !mut("F13"), !h.crashMarkedExtents.isEmpty {
            if mut("F10") || crashMarkDigest(of: h.crashMarkedExtents.map(\.extent)) == h.crashMarkDigest {
                for marked in h.crashMarkedExtents {
                    for index in peers.indices where peers[index].bitmap != nil && marked.peers.contains(peers[index].id) {
                        peers[index].bitmap!.adoptCrashOnly(extentBlocks(marked.extent))
                    }
                }
            } else {
                log(.info, "the bitmap changed after the header listing crash-marked extents \(h.crashMarkedExtents) was written (an update cut by a crash); their bits count as missed writes")
            }
        }
        if crashedAtAttach {
            // After a crash any hot extent may differ from any peer (in-flight writes): mark them
            // out of sync everywhere (DRBD apply-al).
            for extent in h.activityLog { markExtentOutOfSyncForAll(extent) }
        }
        crashExtents = crashedAtAttach ? h.activityLog : []
        if generations.bitmap.count != peers.filter({ $0.bitmap != nil }).count {
            generations.bitmap = peers.filter { $0.bitmap != nil }.map {
                PeerGeneration(nodeID: $0.id, generation: generations.bitmapGeneration(for: $0.id))
            }
        }
    }

    /// Peer `i` holds this node's data now (a resync from here to it ended, or it met this node
    /// at one generation, both UpToDate, with nothing to resync): a crash found at this attach no
    /// longer decides toward it, and a crashed Primary's status is settled toward it, on disk too.
    mutating func peerTookData(_ i: Int) {
        peers[i].tookDataSinceAttach = true
        guard crashedPrimaryAtAttach, !peers[i].crashedPrimarySettled else { return }
        peers[i].crashedPrimarySettled = true
        noteCrashedPrimaryStateChanged()
        settleCrashedPrimary()
    }

    /// A crashed Primary's status is settled once every diskful peer took this node's data since
    /// the crash (a resync from here to it ended, or the connection was Established with both
    /// UpToDate and nothing to resync, `finishBitmapExchange`): no peer can lack a write only
    /// this node acknowledged, and toward each of them the handshake already leaves the status
    /// out. Kept on disk (`MetadataFlags.crashedPrimary`) until then, it would otherwise outlive
    /// its reason: a node that served its peer, crashed again as a Secondary and returned would
    /// claim it again and, with protocol A, be the source over writes that peer acknowledged as
    /// Primary meanwhile (CrashedPrimaryRestartTests). DRBD clears MDF_CRASHED_PRIMARY when any
    /// connection reaches both disks UpToDate; here the status is per peer, in memory and on disk
    /// (`PeerState.crashedPrimarySettled`, the header's `crashedPrimarySettledPeers`), and the
    /// flag goes when it holds toward no peer (with two nodes: the same moment). A resync into
    /// this node, or a writer's new generation taken, settles it at once.
    mutating func settleCrashedPrimary() {
        guard crashedPrimaryAtAttach,
              peers.allSatisfy({ $0.bitmap == nil || $0.crashedPrimarySettled }) else { return }
        endCrashedPrimaryStatus()
    }

    /// Ends a crashed Primary's status, in memory and in the next header written (marked due
    /// here). The one clear for every way it ends: `settleCrashedPrimary`, a resync into this
    /// node (`adoptGenerations`), a writer's new generation taken (`onNewGeneration`).
    mutating func endCrashedPrimaryStatus() {
        guard crashedPrimaryAtAttach || flags.contains(.crashedPrimary) else { return }
        crashedPrimaryAtAttach = false
        flags.remove(.crashedPrimary)
        noteCrashedPrimaryStateChanged()
    }

    /// What a reunion after a crash reads of this node's Primary past changed in memory: the
    /// crashed-Primary status, the peers it is settled toward, or the Primary mark. Until the
    /// header holding the change is durable, a crash brings back the old one, and a peer that
    /// relied on the new one meanwhile (a promotion this node voted for, then a protocol A write
    /// acknowledged without this node) meets a node claiming a Primary crash it had settled:
    /// with both back as crashed Primaries the lower node id is the source, over the peer's
    /// acknowledged write (CrashedPrimaryServedTests). Votes wait for it (`holdPromotionVote`).
    mutating func noteCrashedPrimaryStateChanged() {
        crashedPrimaryStateVersion = markMetadataDirty()
    }

    mutating func markExtentOutOfSyncForAll(_ extent: UInt32) {
        for index in peers.indices where peers[index].bitmap != nil { markExtentOutOfSync(extent, toward: index) }
    }

    mutating func markExtentOutOfSync(_ extent: UInt32, toward i: Int) {
        peers[i].bitmap!.setByCrash(extentBlocks(extent))
    }

    /// The bitmap blocks of activity-log extent `extent`.
    func extentBlocks(_ extent: UInt32) -> Range<UInt64> {
        let start = UInt64(extent) * config.activityLogExtentBytes
        let end = min(start + config.activityLogExtentBytes, config.sizeBytes)
        let block = UInt64(config.bitmapBlockBytes)
        return start / block ..< (end + block - 1) / block
    }

    /// The extents holding bits only a crash set (`setByCrash`), each with the peers toward which
    /// all its set bits are such, at least one: what the header keeps of the crash marks
    /// (`MetadataHeader.crashMarkedExtents`). A peer toward which some bit of the extent records
    /// a missed write is left out of that extent: a bit counted as a missed write's after the
    /// next attach only keeps that side from yielding (the tie-break before the distinction),
    /// while a missed write's bit counted as a crash's would make it yield its write away. Per
    /// peer, because the tie is decided per connection: bits toward a third node (a resync's)
    /// say nothing of those toward this one (seed 2835). At most al-extents of them, the rest
    /// left out so.
    func crashMarkedExtents() -> [CrashMarkedExtent] {
        guard peers.contains(where: { ($0.bitmap?.crashOnlyCount ?? 0) > 0 }) else { return [] }
        let extentBlocksCount = config.activityLogExtentBytes / UInt64(config.bitmapBlockBytes)
        var candidates = Set<UInt32>()
        for peer in peers where peer.bitmap != nil {
            for blocks in peer.bitmap!.crashOnlyWordBlocks where !blocks.isEmpty {
                for extent in blocks.lowerBound / extentBlocksCount ... (blocks.upperBound - 1) / extentBlocksCount {
                    candidates.insert(UInt32(extent))
                }
            }
        }
        var marked: [CrashMarkedExtent] = []
        for extent in candidates.sorted() where marked.count < config.activityLogExtentsMax {
            let blocks = extentBlocks(extent)
            let crashOnlyPeers = peers.filter { peer in
                guard let marks = peer.bitmap?.crashMarks(in: blocks) else { return false }
                return marks.crashOnly && (mut("F11") || !marks.ordinary)
            }.map(\.id).sorted { $0.rawValue < $1.rawValue }
            if mut("F9") && crashOnlyPeers.count != peers.filter({ $0.bitmap != nil }).count { continue }
            if !crashOnlyPeers.isEmpty { marked.append(CrashMarkedExtent(extent: extent, peers: crashOnlyPeers)) }
        }
        return marked
    }

    /// FNV-1a 64 of the bits of `extents` toward every peer with a bitmap, in the order of the
    /// header's bitmap peers (`MetadataHeader.crashMarkDigest`); 0 for none.
    func crashMarkDigest(of extents: [UInt32]) -> UInt64 {
        guard !extents.isEmpty else { return 0 }
        var hash = BlockDigest.fnv1aBasis
        for peer in peers where peer.bitmap != nil {
            for extent in extents { peer.bitmap!.digest(extentBlocks(extent), into: &hash) }
        }
        return hash
    }

    func metadataHeader() -> MetadataHeader {
        var persistedDisk = disk
        if !persistedDisk.hasDisk || persistedDisk == .attaching || persistedDisk == .negotiating {
            persistedDisk = .inconsistent
        }
        let marked = crashMarkedExtents()
        return MetadataHeader(
            nodeID: config.nodeID, sizeBytes: config.sizeBytes,
            bitmapBlockBytes: config.bitmapBlockBytes,
            activityLogExtentBytes: config.activityLogExtentBytes,
            generations: generations, disk: persistedDisk, flags: flags,
            activityLog: activityLog.sortedExtents,
            bitmapPeers: peers.filter { $0.bitmap != nil }.map(\.id),
            supersededGenerations: supersededGenerations,
            crashedPrimarySettledPeers: crashedPrimaryAtAttach ? peers.filter(\.crashedPrimarySettled).map(\.id).sorted { $0.rawValue < $1.rawValue } : [],
            crashMarkedExtents: marked, crashMarkDigest: crashMarkDigest(of: marked.map(\.extent)))
    }

    /// Something durable changed; returns the version that must be persisted before anything
    /// depending on the change may proceed.
    @discardableResult
    mutating func markMetadataDirty() -> UInt64 {
        metadataVersion += 1
        return metadataVersion
    }

    /// Makes a write's activity-log extents active and returns the metadata version that must
    /// be durable before its data may reach the disk. That is the version holding each extent,
    /// whichever write added it: a second write into an extent a first write just added finds it
    /// active, but the log write holding it may still be on its way to disk, and a crash then
    /// would leave data outside every logged extent (never resynced). DRBD makes every writer
    /// into an extent wait until the AL transaction holding it is committed.
    mutating func activateExtents(_ extents: ClosedRange<UInt32>) -> UInt64 {
        if activityLog.begin(extents) { activityLog.logged(extents, inVersion: markMetadataDirty()) }
        return activityLog.versionLogging(extents)
    }

    var metadataClean: Bool { metadataPersistedVersion >= metadataVersion }

    func metadataDurable(_ version: UInt64) -> Bool { metadataPersistedVersion >= version }

    mutating func flushMetadataIfNeeded() {
        guard metadataInFlight == nil, !config.disklessClient else { return }
        guard disk.hasDisk else { return writeFailureRecordIfNeeded() }
        let hasDirtyWords = peers.contains { $0.bitmap?.hasDirtyWords ?? false }
        guard metadataVersion > metadataPersistedVersion || hasDirtyWords else { return }
        if clockMicros != nil, !(metadataVersion > metadataPersistedVersion), !peers.contains(where: { $0.bitmap?.dirtyHasSetBits ?? false }),
           now < clearedBitsWrittenTick + UInt64(config.ticksPerSecond) {
            // Only cleared bits (resync progress) are pending: write them at most once a second
            // instead of after every resync reply (each write is one or two fdatasyncs). Only with the
            // shell's clock: the deterministic simulation keeps its eager writes (and seeds).
            return
        }
        clearedBitsWrittenTick = now
        if !(metadataVersion > metadataPersistedVersion) { metadataVersion += 1 }
        var words: [PeerBitmapWords] = []
        for index in peers.indices where peers[index].bitmap != nil {
            words += peers[index].bitmap!.takeDirtyWords(peer: peers[index].id)
        }
        let id = newStorageID()
        metadataInFlight = (id, metadataVersion)
        storageInFlight[id] = InFlightStorage(purpose: .metadata(version: metadataVersion))
        output.storage.append(.writeMetadata(id: id, MetadataUpdate(header: metadataHeader(), bitmapWords: words)))
    }

    mutating func onMetadataCompleted(version: UInt64, result: StorageResult) {
        metadataInFlight = nil
        switch result {
        case .done, .data:
            precondition(version > metadataPersistedVersion, "metadata versions went backwards")
            metadataPersistedVersion = version
        case .failed(let reason):
            // Without durable metadata nothing may be acknowledged safely: the disk is failed.
            log(.error, "metadata write failed (\(reason)); detaching the disk")
            diskFailed()
        }
    }
}

extension OutOfSyncBitmap {
    var hasDirtyWords: Bool { dirtyCount > 0 }
}
