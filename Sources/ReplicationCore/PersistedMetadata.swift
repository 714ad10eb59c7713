/// Flags kept in the metadata header (DRBD MDF_* flags).
public struct MetadataFlags: OptionSet, Sendable, Hashable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// Set while the volume is attached; found set at attach ⇒ the previous run crashed.
    public static let attached = MetadataFlags(rawValue: 1 << 0)
    /// Set while Primary; found set at attach ⇒ crashed as Primary (DRBD CRASHED_PRIMARY).
    public static let primary = MetadataFlags(rawValue: 1 << 1)
    /// Lost quorum while Primary (DRBD PRIMARY_LOST_QUORUM).
    public static let primaryLostQuorum = MetadataFlags(rawValue: 1 << 2)
    /// The backing store was created thin and never written: it reads as zeros.
    public static let freshThin = MetadataFlags(rawValue: 1 << 3)
    /// Outdated because it lost quorum as a Secondary (DRBD): the partition with quorum may have
    /// written without it. Unlike an Outdated disk that met a newer peer, it may become UpToDate
    /// again on its own once it is back in a partition with quorum where nobody is newer.
    public static let outdatedWithoutQuorum = MetadataFlags(rawValue: 1 << 4)
    /// This node started its current generation as a Primary (with quorum enabled) and has not
    /// yet acknowledged any write issued in it: written with the generation, cleared when the
    /// first such write is acknowledged: on disk before that acknowledgement when no diskful peer
    /// answered the write, else with the next metadata write (`generationConfirmedOnDisk`).
    /// Found set after a crash, it says that all this node holds past the previous generation is
    /// unacknowledged (or, in the lazy clear's window, sent to diskful peers that took the
    /// generation, so that no split brain with it can arise under quorum; with protocol A,
    /// possibly held by this crashed writer alone, which protocol A may lose): it yields in a
    /// split brain (see `HandshakeFlags.generationUnconfirmed`).
    public static let generationUnconfirmed = MetadataFlags(rawValue: 1 << 5)
    /// The last record of a disk that failed while a Primary wrote with UpToDate data elsewhere
    /// (DRBD clears MDF_WAS_UP_TO_DATE then): at this generation it may lack writes its peers
    /// hold, so it yields to any consistent peer at the same generation
    /// (`GenerationComparison.equalCurrent`) and in a split brain. Cleared once a resync into it
    /// ends, it returns UpToDate (`returnFromQuorumOutdate`), or it moves to another generation
    /// (`settleDiskFailedFlag`).
    public static let diskFailed = MetadataFlags(rawValue: 1 << 6)
    /// Found `primary` at an attach: the node crashed as Primary, and stays so through later
    /// restarts until the crash is settled: a resync into it ends, or every diskful peer took its
    /// data (`settleCrashedPrimary`; DRBD MDF_CRASHED_PRIMARY). The attach removes
    /// `primary` from the next header it writes; without this flag a second crash before that
    /// resync came back a plain crashed Secondary, and with protocol A the write it alone had
    /// acknowledged was resynced away (CrashedPrimaryRestartTests). Bit 7 (bit 6 is `diskFailed`).
    public static let crashedPrimary = MetadataFlags(rawValue: 1 << 7)
}

/// The fixed-size part of the durable metadata of one volume replica.
public struct MetadataHeader: Sendable, Equatable {
    /// Format version of this record; a reader refuses others.
    public var formatVersion: UInt32
    public var nodeID: NodeID
    public var sizeBytes: UInt64
    public var bitmapBlockBytes: UInt32
    public var activityLogExtentBytes: UInt64
    public var generations: GenerationSet
    /// Last known quality of the local data: upToDate, consistent, outdated or inconsistent.
    public var disk: DiskState
    public var flags: MetadataFlags
    /// Activity log: extent numbers (offset / activityLogExtentBytes) that may hold writes not yet
    /// reflected in every peer's on-disk bitmap. Sorted, at most `activityLogExtentsMax`.
    public var activityLog: [UInt32]
    /// Peers with a bitmap slot, sorted (DRBD bitmap slots).
    public var bitmapPeers: [NodeID]
    /// Generations a writer moved past while this replica stayed behind and acknowledged its
    /// writes (`ReplicaInstance.supersededGenerations`, the promotion-vote rule), oldest first,
    /// at most `GenerationSet.historyMax`. Durable because a replica that forgets them in a
    /// restart would vote for a stale replica (format 2; a format-1 header had none).
    public var supersededGenerations: [Generation]
    /// With `MetadataFlags.crashedPrimary`: the peers toward which that status is settled, each
    /// having taken this node's data since the crash (`PeerState.crashedPrimarySettled`), sorted.
    /// Toward them a return from a later crash as a Secondary claims a plain crash only; toward
    /// the others it still claims crashed Primary. Empty without the flag (format 3; an older
    /// header is read as settled toward nobody, which is what its flag meant).
    public var crashedPrimarySettledPeers: [NodeID]
    /// Activity-log extents a crash marked out of sync toward every peer whose set bits are,
    /// toward every peer, still only that crash's (`OutOfSyncBitmap.setByCrash`): no write is
    /// known to be missing there. Sorted, at most `activityLogExtentsMax`. The attach that reads
    /// it counts those bits as crash-only again, so a node that crashes twice before its first
    /// crash's bits are resynced still yields at one generation to a peer whose bits record a
    /// write it missed (`equal-*-holds-missed-writes`); kept in memory only, the second restart
    /// counted them as missed writes and the lower node id was the source over an acknowledged
    /// write (EqualGenerationBitsTieTests). Format 4; an older header is read as having none,
    /// which counts every bit as a missed write's, as before.
    public var crashMarkedExtents: [UInt32]
    /// FNV-1a 64 of the bits of `crashMarkedExtents` toward every peer, as the update carrying
    /// this header leaves them on disk (`ReplicaInstance.crashMarkDigest`); 0 with no extent
    /// listed. An update writes its bitmap pages before its header (the header may evict the
    /// extents those bits cover), so a crash between the two leaves new bits under the previous
    /// header: a bit recording a missed write in an extent that header lists would be read as
    /// the crash's, and its side would yield its write away. The attach adopts the list only
    /// where the bits on disk are the ones this digest saw. Format 4, with the list.
    public var crashMarkDigest: UInt64

    /// Format 2 added `supersededGenerations`, format 3 `crashedPrimarySettledPeers`, format 4
    /// `crashMarkedExtents` and `crashMarkDigest`; an older header is read as having none.
    public static let currentFormatVersion: UInt32 = 4

    public init(formatVersion: UInt32 = MetadataHeader.currentFormatVersion, nodeID: NodeID,
                sizeBytes: UInt64, bitmapBlockBytes: UInt32, activityLogExtentBytes: UInt64,
                generations: GenerationSet, disk: DiskState, flags: MetadataFlags,
                activityLog: [UInt32], bitmapPeers: [NodeID], supersededGenerations: [Generation] = [],
                crashedPrimarySettledPeers: [NodeID] = [], crashMarkedExtents: [UInt32] = [], crashMarkDigest: UInt64 = 0) {
        self.formatVersion = formatVersion
        self.nodeID = nodeID
        self.sizeBytes = sizeBytes
        self.bitmapBlockBytes = bitmapBlockBytes
        self.activityLogExtentBytes = activityLogExtentBytes
        self.generations = generations
        self.disk = disk
        self.flags = flags
        self.activityLog = activityLog
        self.bitmapPeers = bitmapPeers
        self.supersededGenerations = supersededGenerations
        self.crashedPrimarySettledPeers = crashedPrimarySettledPeers
        self.crashMarkedExtents = crashMarkedExtents
        self.crashMarkDigest = crashMarkDigest
    }
}

/// Changed words of one peer's on-disk bitmap: `words[i]` replaces word `firstWord + i`.
public struct PeerBitmapWords: Sendable, Equatable {
    public var peer: NodeID
    public var firstWord: UInt64
    public var words: [UInt64]
    public init(peer: NodeID, firstWord: UInt64, words: [UInt64]) {
        self.peer = peer
        self.firstWord = firstWord
        self.words = words
    }
}

/// One metadata write asked for by the core. The shell applies it so that a crash leaves either
/// the old or the new metadata, never a mix that loses bits: write `bitmapWords` first, then the
/// header, then make both durable (fsync) — only then report completion. Bitmap words are plain
/// overwrites, so re-applying an update is harmless.
public struct MetadataUpdate: Sendable, Equatable {
    public var header: MetadataHeader
    public var bitmapWords: [PeerBitmapWords]
    public init(header: MetadataHeader, bitmapWords: [PeerBitmapWords]) {
        self.header = header
        self.bitmapWords = bitmapWords
    }
}

/// One peer's full on-disk out-of-sync bitmap: bit n (word n/64, bit n%64) = block n.
public struct PeerBitmap: Sendable, Equatable {
    public var peer: NodeID
    public var words: [UInt64]
    public init(peer: NodeID, words: [UInt64]) {
        self.peer = peer
        self.words = words
    }
}

/// Everything durable about one volume replica, as read back at attach (DRBD's meta-data area:
/// superblock with generations and flags, activity log, bitmaps).
public struct PersistedMetadata: Sendable, Equatable {
    public var header: MetadataHeader
    /// One per `header.bitmapPeers`, same order.
    public var bitmaps: [PeerBitmap]

    public init(header: MetadataHeader, bitmaps: [PeerBitmap]) {
        self.header = header
        self.bitmaps = bitmaps
    }

    /// Fresh metadata for a new volume (DRBD `create-md`): current generation "just created",
    /// Inconsistent, empty bitmaps, one slot per diskful peer. `thin` marks a volume that reads
    /// as zeros, so two fresh thin replicas may skip the initial sync.
    public static func create(for config: ReplicaConfig, thin: Bool) -> PersistedMetadata {
        let slots = config.peers.filter { !$0.disklessClient }.map(\.nodeID).sorted()
        let wordCount = OutOfSyncBitmap.wordCount(blocks: config.blockCount)
        let header = MetadataHeader(
            nodeID: config.nodeID, sizeBytes: config.sizeBytes,
            bitmapBlockBytes: config.bitmapBlockBytes,
            activityLogExtentBytes: config.activityLogExtentBytes,
            generations: GenerationSet(
                current: .justCreated,
                bitmap: slots.map { PeerGeneration(nodeID: $0, generation: .none) }),
            disk: .inconsistent, flags: thin ? [.freshThin] : [], activityLog: [], bitmapPeers: slots)
        let bitmaps = slots.map { PeerBitmap(peer: $0, words: Array(repeating: 0, count: wordCount)) }
        return PersistedMetadata(header: header, bitmaps: bitmaps)
    }

    /// The metadata after `update` is applied (what the shell's file holds once it completes).
    public func applying(_ update: MetadataUpdate) -> PersistedMetadata {
        var result = self
        result.header = update.header
        if update.header.bitmapPeers != header.bitmapPeers {
            // Peers added or removed in place (`reconfigure`): keep the slots of peers that stay,
            // start empty ones for new peers.
            let wordCount = bitmaps.first?.words.count
                ?? OutOfSyncBitmap.wordCount(blocks: update.header.sizeBytes / UInt64(update.header.bitmapBlockBytes))
            result.bitmaps = update.header.bitmapPeers.map { peer in
                bitmaps.first { $0.peer == peer } ?? PeerBitmap(peer: peer, words: Array(repeating: 0, count: wordCount))
            }
        }
        for change in update.bitmapWords {
            guard let slot = result.bitmaps.firstIndex(where: { $0.peer == change.peer }) else {
                preconditionFailure("bitmap update for node \(change.peer) without a slot")
            }
            let first = Int(change.firstWord)
            precondition(first + change.words.count <= result.bitmaps[slot].words.count,
                         "bitmap update beyond the bitmap of node \(change.peer)")
            for (i, word) in change.words.enumerated() { result.bitmaps[slot].words[first + i] = word }
        }
        return result
    }

    /// Checks that this metadata belongs to `config` and is internally sound; the error says what
    /// does not match (a corrupt or foreign metadata file is never used).
    public func validate(against config: ReplicaConfig) throws(MetadataError) {
        let h = header
        if h.formatVersion != MetadataHeader.currentFormatVersion {
            throw MetadataError("format version \(h.formatVersion), this engine reads \(MetadataHeader.currentFormatVersion)")
        }
        if h.nodeID != config.nodeID {
            throw MetadataError("written for node id \(h.nodeID), but this node is \(config.nodeID)")
        }
        if h.sizeBytes != config.sizeBytes {
            throw MetadataError("volume size \(h.sizeBytes) B, configured \(config.sizeBytes) B")
        }
        if h.bitmapBlockBytes != config.bitmapBlockBytes || h.activityLogExtentBytes != config.activityLogExtentBytes {
            throw MetadataError("bitmap block or activity-log extent size differs from the configuration")
        }
        if bitmaps.map(\.peer) != h.bitmapPeers {
            throw MetadataError("bitmap slots \(bitmaps.map(\.peer)) do not match the header \(h.bitmapPeers)")
        }
        let wordCount = OutOfSyncBitmap.wordCount(blocks: config.blockCount)
        for bitmap in bitmaps where bitmap.words.count != wordCount {
            throw MetadataError("bitmap for node \(bitmap.peer) has \(bitmap.words.count) words, expected \(wordCount)")
        }
        let extentCount = (config.sizeBytes + config.activityLogExtentBytes - 1) / config.activityLogExtentBytes
        if h.activityLog.contains(where: { UInt64($0) >= extentCount }) {
            throw MetadataError("activity log names an extent beyond the end of the volume")
        }
        if h.activityLog.count > config.activityLogExtentsMax {
            throw MetadataError("activity log holds \(h.activityLog.count) extents, al-extents is \(config.activityLogExtentsMax)")
        }
        if h.crashMarkedExtents.contains(where: { UInt64($0) >= extentCount }) {
            throw MetadataError("crash-marked extents name one beyond the end of the volume")
        }
        if h.crashMarkedExtents.count > config.activityLogExtentsMax {
            throw MetadataError("\(h.crashMarkedExtents.count) crash-marked extents, al-extents is \(config.activityLogExtentsMax)")
        }
        if h.generations.history.count > GenerationSet.historyMax {
            throw MetadataError("\(h.generations.history.count) history generations, at most \(GenerationSet.historyMax)")
        }
        if h.supersededGenerations.count > GenerationSet.historyMax {
            throw MetadataError("\(h.supersededGenerations.count) superseded generations, at most \(GenerationSet.historyMax)")
        }
    }
}

/// Metadata that cannot be used, with the reason.
public struct MetadataError: Error, Sendable, CustomStringConvertible, Equatable {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "metadata: \(reason)" }
}
