import ReplicationCore

/// Where each part of a version-2 metadata file lies (see `MetadataFile` for the format).
///
/// The file has fixed places so that an update writes only what changed: a 4 KiB superblock
/// (written only when the whole file is replaced), two transaction slots that hold the header
/// (generations, flags, activity log) and are written in turn, and one bitmap area per peer
/// slot whose changed 4 KiB pages are overwritten in place. A change that does not fit this
/// layout (a peer slot added or removed, a grown volume, an activity log larger than the slot)
/// replaces the file whole, with a layout that fits.
struct MetadataFileLayout: Sendable, Equatable {
    static let pageBytes = 4096
    static let superblockBytes = pageBytes
    static let slotCount = 2
    /// Sequence u64, payload length u32 before the header, checksum u64 after it.
    static let slotFramingBytes = 8 + 4 + 8
    /// Largest slot: 65536 activity-log extents (al-extents' maximum) need 256 KiB.
    static let slotBytesMax = 1 << 20
    static let peerSlotsMax = 32

    /// Bytes of one transaction slot (a multiple of a page).
    let slotBytes: Int
    /// Peer bitmap slots in file order (the header's `bitmapPeers`).
    let bitmapPeers: [NodeID]
    /// 64-bit words per peer bitmap.
    let bitmapWords: Int

    func slotOffset(sequence: UInt64) -> Int { Self.superblockBytes + Int(sequence % UInt64(Self.slotCount)) * slotBytes }
    var bitmapOffset: Int { Self.superblockBytes + Self.slotCount * slotBytes }
    /// Each peer's bitmap starts on a page of its own, so a page write touches one peer only.
    var bitmapStrideBytes: Int { Self.roundUpToPage(bitmapWords * 8) }
    var fileBytes: Int { bitmapOffset + bitmapPeers.count * bitmapStrideBytes }
    var wordsPerPage: Int { Self.pageBytes / 8 }

    func bitmapPageOffset(peerIndex: Int, page: Int) -> Int {
        bitmapOffset + peerIndex * bitmapStrideBytes + page * Self.pageBytes
    }

    /// Encoded bytes of a header: fixed fields, then the lists (see `MetadataFile.encodeHeader`).
    static func headerBytes(generationSlots: Int, history: Int, activityLog: Int, bitmapPeers: Int, superseded: Int,
                            settledPeers: Int, crashMarked: Int) -> Int {
        let fixed = 4 + 1 + 8 + 4 + 8 + 8 + 1 + 4
        return fixed + 4 + 9 * generationSlots + 4 + 8 * history + 4 + 4 * activityLog + 4 + bitmapPeers + 4 + 8 * superseded
            + 4 + settledPeers + 4 + 4 * crashMarked + 8
    }

    static func roundUpToPage(_ bytes: Int) -> Int { (bytes + pageBytes - 1) / pageBytes * pageBytes }

    /// A layout for `metadata` whose slots hold a header with `activityLogExtentsMax` extents in
    /// its activity log and as many crash-marked ones (and every other list at its maximum), so
    /// that activity-log changes never outgrow it.
    static func fitting(_ metadata: PersistedMetadata, activityLogExtentsMax: Int) -> MetadataFileLayout {
        let extents = max(activityLogExtentsMax, metadata.header.activityLog.count)
        let header = headerBytes(generationSlots: peerSlotsMax, history: GenerationSet.historyMax,
                                 activityLog: extents, bitmapPeers: peerSlotsMax, superseded: GenerationSet.historyMax,
                                 settledPeers: peerSlotsMax, crashMarked: max(activityLogExtentsMax, metadata.header.crashMarkedExtents.count))
        return MetadataFileLayout(slotBytes: min(slotBytesMax, roundUpToPage(header + slotFramingBytes)),
                                  bitmapPeers: metadata.header.bitmapPeers,
                                  bitmapWords: metadata.bitmaps.first?.words.count ?? 0)
    }

    /// Whether `metadata` can be written into this layout in place.
    func holds(_ metadata: PersistedMetadata) -> Bool {
        let h = metadata.header
        guard h.bitmapPeers == bitmapPeers, metadata.bitmaps.allSatisfy({ $0.words.count == bitmapWords }) else { return false }
        let header = Self.headerBytes(generationSlots: h.generations.bitmap.count, history: h.generations.history.count,
                                      activityLog: h.activityLog.count, bitmapPeers: h.bitmapPeers.count,
                                      superseded: h.supersededGenerations.count, settledPeers: h.crashedPrimarySettledPeers.count,
                                      crashMarked: h.crashMarkedExtents.count)
        return header + Self.slotFramingBytes <= slotBytes
    }
}
