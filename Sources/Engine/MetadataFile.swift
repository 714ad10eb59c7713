import EngineFiles
import NIOCore
import NIOPosix
import ReplicationCore

/// The durable metadata of one volume replica (`<state>/metadata/<res>/<vol>.md`): generation
/// identifiers, flags, activity log and one out-of-sync bitmap per diskful peer.
///
/// ## Layout (file version 2, big-endian; offsets in `MetadataFileLayout`)
/// - Superblock, 4 KiB at 0: magic "TNDMMETA" · file version u32 · slot bytes u32 · words per
///   bitmap u64 · peer slot count u32 · peer node ids u8… · zeros · FNV-1a 64 checksum of the
///   page before it (its last 8 bytes).
/// - Two transaction slots of `slot bytes`: sequence u64 · header length u32 · header
///   (`encodeHeader`: generations, disk state, flags, activity log, bitmap peers, superseded
///   generations, settled peers, crash-marked extents and their digest) · zeros ·
///   FNV-1a 64 of the slot before it. The slot with the higher sequence and an intact checksum
///   is the current header; the other is the previous one (or empty).
/// - One bitmap area per peer slot, each starting on a page: the words of that peer's bitmap.
///
/// ## Flush discipline (an update is a *transaction*, `MetadataFileWriter`)
/// The core keeps at most one update outstanding and lets nothing that depends on it proceed
/// (writes into a newly activated activity-log extent, writes after a new generation) until it
/// completes. An update in place: changed bitmap pages are overwritten and, if there were any,
/// fdatasync'ed; then the header goes to the slot *not* holding the current header, and one more
/// fdatasync makes it current. So an activity-log change alone (the first write into an
/// extent) costs one page-sized write and one fdatasync, not a rewrite of the whole file, and
/// every extent activated while a transaction is being written joins the next one. A crash
/// leaves the old or the new header (a torn slot fails its checksum, the other slot still
/// holds the previous one) and bitmap pages at least as new as that header; bitmap pages have
/// no checksum (as DRBD's), and only gain bits that may be set (more resync, never less)
/// before the header that depends on them is durable. Whole-file replacement (new volume,
/// grown volume, peer slots changed, file in the old format): write-new, fsync, rename, fsync
/// the folder.
enum MetadataFile {
    static let magic: [UInt8] = Array("TNDMMETA".utf8)
    static let fileVersion: UInt32 = 2
    /// 1 PiB at 4 KiB per bit is 32 GiB of bitmap per peer; a file larger than this is not ours.
    static let fileBytesMax = 1 << 31

    /// What `load` found: the metadata, and where its parts lie for in-place updates (nil for an
    /// old-format file: the first update replaces it).
    struct Loaded: Sendable {
        var metadata: PersistedMetadata
        var layout: MetadataFileLayout?
        var sequence: UInt64
    }

    static let diskStates: [DiskState] = [.diskless, .attaching, .detaching, .failed, .negotiating, .inconsistent,
                                          .outdated, .dUnknown, .consistent, .upToDate]

    /// Header formats this engine reads: 1 (sessions before the superseded generations were
    /// kept), 2 (the same fields followed by the superseded generations), 3 (then the peers a
    /// crashed Primary's status is settled toward) and 4 (`MetadataHeader.currentFormatVersion`:
    /// then the crash-marked extents). Only the current one is written, except by tests of the upgrade.
    static let headerFormatVersions: ClosedRange<UInt32> = 1 ... MetadataHeader.currentFormatVersion

    /// The header's fields in order; a format-1 header ends after the bitmap peers.
    static func encodeHeader(_ h: MetadataHeader, into b: inout ByteBuffer) {
        precondition(headerFormatVersions.contains(h.formatVersion), "no encoding for header format \(h.formatVersion)")
        precondition(h.formatVersion >= 2 || h.supersededGenerations.isEmpty, "a format-1 header cannot hold superseded generations")
        precondition(h.formatVersion >= 3 || h.crashedPrimarySettledPeers.isEmpty, "a header before format 3 cannot hold settled peers")
        precondition(h.formatVersion >= 4 || (h.crashMarkedExtents.isEmpty && h.crashMarkDigest == 0), "a header before format 4 cannot hold crash-marked extents")
        b.writeInteger(h.formatVersion); b.writeInteger(h.nodeID.rawValue); b.writeInteger(h.sizeBytes)
        b.writeInteger(h.bitmapBlockBytes); b.writeInteger(h.activityLogExtentBytes)
        b.writeInteger(h.generations.current.rawValue)
        b.writeInteger(UInt32(h.generations.bitmap.count))
        for slot in h.generations.bitmap { b.writeInteger(slot.nodeID.rawValue); b.writeInteger(slot.generation.rawValue) }
        b.writeInteger(UInt32(h.generations.history.count))
        for g in h.generations.history { b.writeInteger(g.rawValue) }
        b.writeInteger(UInt8(diskStates.firstIndex(of: h.disk)!))
        b.writeInteger(h.flags.rawValue)
        b.writeInteger(UInt32(h.activityLog.count)); for e in h.activityLog { b.writeInteger(e) }
        b.writeInteger(UInt32(h.bitmapPeers.count)); for p in h.bitmapPeers { b.writeInteger(p.rawValue) }
        if h.formatVersion >= 2 {
            b.writeInteger(UInt32(h.supersededGenerations.count)); for g in h.supersededGenerations { b.writeInteger(g.rawValue) }
        }
        if h.formatVersion >= 3 {
            b.writeInteger(UInt32(h.crashedPrimarySettledPeers.count)); for p in h.crashedPrimarySettledPeers { b.writeInteger(p.rawValue) }
        }
        if h.formatVersion >= 4 {
            b.writeInteger(UInt32(h.crashMarkedExtents.count)); for e in h.crashMarkedExtents { b.writeInteger(e) }
            b.writeInteger(h.crashMarkDigest)
        }
    }

    /// Reads a header of any format in `headerFormatVersions`; it comes back in the current
    /// format (an older one lacks only lists that start empty), so the next write upgrades it.
    static func decodeHeader(_ r: inout MetadataReader) throws(EngineError) -> MetadataHeader {
        let formatVersion = try r.u32()
        guard headerFormatVersions.contains(formatVersion) else {
            throw r.corrupt("header format version \(formatVersion); this engine reads versions \(headerFormatVersions.lowerBound) to \(headerFormatVersions.upperBound) (written by a newer engine?)")
        }
        let node = NodeID(try r.u8()), size = try r.u64(), block = try r.u32(), extent = try r.u64()
        let current = Generation(try r.u64())
        var slots: [PeerGeneration] = []
        for _ in 0..<(try r.count(elementBytes: 9, max: MetadataFileLayout.peerSlotsMax)) {
            slots.append(PeerGeneration(nodeID: NodeID(try r.u8()), generation: Generation(try r.u64())))
        }
        var history: [Generation] = []
        for _ in 0..<(try r.count(elementBytes: 8, max: GenerationSet.historyMax)) { history.append(Generation(try r.u64())) }
        let diskIndex = Int(try r.u8())
        guard diskIndex < diskStates.count else { throw r.corrupt("disk state \(diskIndex)") }
        let flags = MetadataFlags(rawValue: try r.u32())
        var al: [UInt32] = []
        for _ in 0..<(try r.count(elementBytes: 4, max: 65536)) { al.append(try r.u32()) }
        var peers: [NodeID] = []
        for _ in 0..<(try r.count(elementBytes: 1, max: MetadataFileLayout.peerSlotsMax)) { peers.append(NodeID(try r.u8())) }
        var superseded: [Generation] = []
        if formatVersion >= 2 {
            for _ in 0..<(try r.count(elementBytes: 8, max: GenerationSet.historyMax)) { superseded.append(Generation(try r.u64())) }
        }
        var settled: [NodeID] = []
        if formatVersion >= 3 {
            for _ in 0..<(try r.count(elementBytes: 1, max: MetadataFileLayout.peerSlotsMax)) { settled.append(NodeID(try r.u8())) }
        }
        var crashMarked: [UInt32] = []
        var crashMarkDigest: UInt64 = 0
        if formatVersion >= 4 {
            for _ in 0..<(try r.count(elementBytes: 4, max: 65536)) { crashMarked.append(try r.u32()) }
            crashMarkDigest = try r.u64()
        }
        return MetadataHeader(
            nodeID: node, sizeBytes: size, bitmapBlockBytes: block,
            activityLogExtentBytes: extent, generations: GenerationSet(current: current, bitmap: slots, history: history),
            disk: diskStates[diskIndex], flags: flags, activityLog: al, bitmapPeers: peers,
            supersededGenerations: superseded, crashedPrimarySettledPeers: settled, crashMarkedExtents: crashMarked,
            crashMarkDigest: crashMarkDigest)
    }

    static func encodeSuperblock(_ layout: MetadataFileLayout) -> [UInt8] {
        var b = ByteBuffer()
        b.writeBytes(magic)
        b.writeInteger(fileVersion)
        b.writeInteger(UInt32(layout.slotBytes))
        b.writeInteger(UInt64(layout.bitmapWords))
        b.writeInteger(UInt32(layout.bitmapPeers.count)); for p in layout.bitmapPeers { b.writeInteger(p.rawValue) }
        b.writeRepeatingByte(0, count: MetadataFileLayout.superblockBytes - 8 - b.readableBytes)
        b.writeInteger(checksum(b.readableBytesView))
        return Array(b.readableBytesView)
    }

    /// One transaction slot holding `header`, padded to the slot size.
    static func encodeSlot(_ header: MetadataHeader, sequence: UInt64, slotBytes: Int) -> [UInt8] {
        var payload = ByteBuffer()
        encodeHeader(header, into: &payload)
        var b = ByteBuffer()
        b.reserveCapacity(slotBytes)
        b.writeInteger(sequence)
        b.writeInteger(UInt32(payload.readableBytes))
        b.writeImmutableBuffer(payload)
        precondition(b.readableBytes + 8 <= slotBytes, "metadata header outgrew its transaction slot; the layout should have been replaced")
        b.writeRepeatingByte(0, count: slotBytes - 8 - b.readableBytes)
        b.writeInteger(checksum(b.readableBytesView))
        return Array(b.readableBytesView)
    }

    static func encodeBitmapArea(_ words: [UInt64], strideBytes: Int) -> [UInt8] {
        var b = ByteBuffer()
        b.reserveCapacity(strideBytes)
        for w in words { b.writeInteger(w) }
        b.writeRepeatingByte(0, count: strideBytes - b.readableBytes)
        return Array(b.readableBytesView)
    }

    /// The whole file: `m`'s header in the slot of `sequence`, the other slot empty.
    static func encode(_ m: PersistedMetadata, layout: MetadataFileLayout, sequence: UInt64) -> [UInt8] {
        var bytes = encodeSuperblock(layout)
        bytes.reserveCapacity(layout.fileBytes)
        let empty = [UInt8](repeating: 0, count: layout.slotBytes)
        let current = encodeSlot(m.header, sequence: sequence, slotBytes: layout.slotBytes)
        for index in 0..<MetadataFileLayout.slotCount {
            bytes += UInt64(index) == sequence % UInt64(MetadataFileLayout.slotCount) ? current : empty
        }
        for bitmap in m.bitmaps { bytes += encodeBitmapArea(bitmap.words, strideBytes: layout.bitmapStrideBytes) }
        return bytes
    }

    /// Decodes and checks a file of either version; the error says what is wrong with which file.
    static func decode(_ bytes: [UInt8], path: String) throws(EngineError) -> Loaded {
        guard bytes.count >= magic.count + 4 + 8, bytes.count <= fileBytesMax else {
            throw MetadataReader.corrupt(path, "\(bytes.count) bytes is not a metadata record")
        }
        guard Array(bytes.prefix(8)) == magic else { throw MetadataReader.corrupt(path, "not a Tandem metadata file (bad magic)") }
        let version = bytes[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        switch version {
        case MetadataFileV1.fileVersion:
            return Loaded(metadata: try MetadataFileV1.decode(bytes, path: path), layout: nil, sequence: 0)
        case fileVersion:
            return try decodeVersion2(bytes, path: path)
        default:
            throw MetadataReader.corrupt(path, "file version \(version); this engine reads versions \(MetadataFileV1.fileVersion) and \(fileVersion)")
        }
    }

    private static func decodeVersion2(_ bytes: [UInt8], path: String) throws(EngineError) -> Loaded {
        let page = MetadataFileLayout.superblockBytes
        guard bytes.count >= page else { throw MetadataReader.corrupt(path, "truncated superblock") }
        let stored = bytes[page - 8 ..< page].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard checksum(bytes[0 ..< page - 8]) == stored else { throw MetadataReader.corrupt(path, "superblock checksum mismatch") }
        var r = MetadataReader(bytes.prefix(page - 8), path: path)
        try r.skip(magic.count + 4)
        let slotBytes = Int(try r.u32()), words = try r.u64()
        var peers: [NodeID] = []
        for _ in 0..<(try r.count(elementBytes: 1, max: MetadataFileLayout.peerSlotsMax)) { peers.append(NodeID(try r.u8())) }
        guard slotBytes >= MetadataFileLayout.pageBytes, slotBytes <= MetadataFileLayout.slotBytesMax,
              slotBytes % MetadataFileLayout.pageBytes == 0 else { throw r.corrupt("transaction slot of \(slotBytes) bytes") }
        guard words <= UInt64(fileBytesMax / 8) else { throw r.corrupt("bitmap of \(words) words") }
        let layout = MetadataFileLayout(slotBytes: slotBytes, bitmapPeers: peers, bitmapWords: Int(words))
        guard bytes.count == layout.fileBytes else {
            throw r.corrupt("\(bytes.count) bytes, its layout needs \(layout.fileBytes) (truncated or extended)")
        }
        var newest: (sequence: UInt64, header: MetadataHeader)?
        for index in 0..<MetadataFileLayout.slotCount {
            let start = MetadataFileLayout.superblockBytes + index * slotBytes
            guard let slot = try decodeSlot(bytes[start ..< start + slotBytes], path: path),
                  slot.sequence % UInt64(MetadataFileLayout.slotCount) == UInt64(index) else { continue }
            if newest.map({ slot.sequence > $0.sequence }) ?? true { newest = slot }
        }
        guard let (sequence, header) = newest else { throw r.corrupt("no intact transaction slot") }
        guard header.bitmapPeers == peers else {
            throw r.corrupt("header names bitmap slots \(header.bitmapPeers), the superblock \(peers)")
        }
        var bitmaps: [PeerBitmap] = []
        for (k, peer) in peers.enumerated() {
            let start = layout.bitmapPageOffset(peerIndex: k, page: 0)
            var area = MetadataReader(bytes[start ..< start + layout.bitmapWords * 8], path: path)
            bitmaps.append(PeerBitmap(peer: peer, words: try area.u64s(layout.bitmapWords)))
        }
        return Loaded(metadata: PersistedMetadata(header: header, bitmaps: bitmaps), layout: layout, sequence: sequence)
    }

    /// A slot's header, or nil when the slot is empty or torn (its checksum does not match).
    /// A slot that is intact but whose header cannot be read (a header format this engine does
    /// not know, written by a newer one) refuses the file: skipping it would bring the volume up
    /// from the other slot, an older header (stale generations and flags).
    private static func decodeSlot(_ bytes: ArraySlice<UInt8>, path: String) throws(EngineError) -> (sequence: UInt64, header: MetadataHeader)? {
        let stored = bytes.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard checksum(bytes.dropLast(8)) == stored else { return nil }
        var r = MetadataReader(bytes, path: path)
        guard let sequence = try? r.u64(), let length = try? r.u32(), length > 0,
              Int(length) + MetadataFileLayout.slotFramingBytes <= bytes.count else { return nil }
        let headerStart = bytes.startIndex + 12, headerEnd = headerStart + Int(length)
        var payload = MetadataReader(bytes[headerStart ..< headerEnd], path: path)
        let header = try decodeHeader(&payload)
        guard payload.remaining == 0 else { throw payload.corrupt("\(payload.remaining) bytes after the header in transaction slot \(sequence)") }
        return (sequence, header)
    }

    static func checksum<C: Sequence>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// Reads a file, or nil when there is none yet (a new volume).
    static func load(_ path: String) throws(EngineError) -> Loaded? {
        guard AtomicFile.exists(path) else { return nil }
        do {
            return try decode(try AtomicFile.read(path, bytesMax: fileBytesMax), path: path)
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError("\(error)")
        }
    }

    /// `load` on the metadata threads. A resource's runtime runs on the data event loop that
    /// every NBD connection and replication link of the engine shares; reading and decoding a
    /// large volume's bitmaps there (32 MiB per peer for 1 TiB) held every other resource's I/O
    /// for as long, each time a resource came up (an `adjust` restart, a new resource).
    static func loadOffLoop(_ path: String) async throws(EngineError) -> Loaded? {
        do {
            return try await threadPool.runIfActive { try load(path) }
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError("\(path): \(error)")
        }
    }

    /// Threads that do nothing but metadata writes (and `loadOffLoop`'s reads). Each write waits
    /// for an fsync (several ms up to tens of ms); on the shared data pool a read or write of resync or application data
    /// queued behind them and waited as long (measured: a 1 MiB resync read waited ~25 ms for
    /// the pool's two threads, both in fsync). Metadata writes of one volume are serial anyway
    /// (the core keeps one outstanding); two threads let two volumes' writes overlap.
    static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()
}
