import EngineFiles
import NIOCore
import NIOPosix
import ReplicationCore

/// The durable metadata of one volume replica (`<state>/metadata/<res>/<vol>.md`): generation
/// identifiers, flags, activity log and one out-of-sync bitmap per diskful peer.
///
/// ## Flush discipline
/// Every update the core asks for is applied to the in-memory record and the whole record is
/// written to `<vol>.md.tmp`, fsynced, renamed over `<vol>.md`, and the folder is fsynced; only
/// then is the update reported complete. A crash leaves the old or the new record, never a mix.
/// The core keeps at most one metadata write outstanding and emits nothing that depends on it
/// (data writes into a new activity-log extent, writes after a new generation) before it
/// completes. Cost: one rewrite per activity-log change, 32 KiB per GiB per peer.
///
/// ## Layout (big-endian)
/// magic "TNDMMETA" · file version u32 · header (see `encode`) · per bitmap slot: node u8, word
/// count u64, words u64… · FNV-1a 64 checksum of everything before it.
enum MetadataFile {
    static let magic: [UInt8] = Array("TNDMMETA".utf8)
    static let fileVersion: UInt32 = 1
    /// 1 PiB at 4 KiB per bit is 32 GiB of bitmap per peer; a file larger than this is not ours.
    static let fileBytesMax = 1 << 31

    static func encode(_ m: PersistedMetadata) -> [UInt8] {
        var b = ByteBuffer()
        b.reserveCapacity(256 + m.bitmaps.reduce(0) { $0 + 9 + 8 * $1.words.count })
        b.writeBytes(magic)
        b.writeInteger(fileVersion)
        let h = m.header
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
        b.writeInteger(UInt32(m.bitmaps.count))
        for bitmap in m.bitmaps {
            b.writeInteger(bitmap.peer.rawValue); b.writeInteger(UInt64(bitmap.words.count))
            for w in bitmap.words { b.writeInteger(w) }
        }
        let sum = checksum(b.readableBytesView)
        b.writeInteger(sum)
        return Array(b.readableBytesView)
    }

    /// Decodes and checks a record; the error says what is wrong with which file.
    static func decode(_ bytes: [UInt8], path: String) throws(EngineError) -> PersistedMetadata {
        func corrupt(_ why: String) -> EngineError {
            EngineError("\(path): corrupt metadata (\(why)); the volume stays down. Restore the file from a backup, or move it away to start this replica over as Inconsistent (it then resyncs fully from a peer)")
        }
        guard bytes.count >= magic.count + 4 + 8, bytes.count <= fileBytesMax else { throw corrupt("\(bytes.count) bytes is not a metadata record") }
        guard Array(bytes.prefix(8)) == magic else { throw corrupt("not a Tandem metadata file (bad magic)") }
        let stored = bytes.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard checksum(bytes.dropLast(8)) == stored else { throw corrupt("checksum mismatch") }
        var b = ByteBuffer(bytes: bytes.dropLast(8))
        b.moveReaderIndex(forwardBy: 8)
        func u8() throws(EngineError) -> UInt8 { guard let v = b.readInteger(as: UInt8.self) else { throw corrupt("truncated") }; return v }
        func u32() throws(EngineError) -> UInt32 { guard let v = b.readInteger(as: UInt32.self) else { throw corrupt("truncated") }; return v }
        func u64() throws(EngineError) -> UInt64 { guard let v = b.readInteger(as: UInt64.self) else { throw corrupt("truncated") }; return v }
        func count(_ max: Int, _ element: Int) throws(EngineError) -> Int {
            let n = Int(try u32())
            guard n <= max, n * element <= b.readableBytes else { throw corrupt("count \(n) out of range") }
            return n
        }
        let version = try u32()
        guard version == fileVersion else { throw corrupt("file version \(version), this engine reads \(fileVersion)") }
        let formatVersion = try u32(), node = NodeID(try u8()), size = try u64(), block = try u32(), extent = try u64()
        let current = Generation(try u64())
        var slots: [PeerGeneration] = []
        for _ in 0..<(try count(32, 9)) { slots.append(PeerGeneration(nodeID: NodeID(try u8()), generation: Generation(try u64()))) }
        var history: [Generation] = []
        for _ in 0..<(try count(GenerationSet.historyMax, 8)) { history.append(Generation(try u64())) }
        let diskIndex = Int(try u8())
        guard diskIndex < diskStates.count else { throw corrupt("disk state \(diskIndex)") }
        let flags = MetadataFlags(rawValue: try u32())
        var al: [UInt32] = []
        for _ in 0..<(try count(65536, 4)) { al.append(try u32()) }
        var peers: [NodeID] = []
        for _ in 0..<(try count(32, 1)) { peers.append(NodeID(try u8())) }
        var bitmaps: [PeerBitmap] = []
        for _ in 0..<(try count(32, 9)) {
            let peer = NodeID(try u8())
            let words = try u64()
            guard words <= UInt64(b.readableBytes / 8) else { throw corrupt("bitmap of \(words) words does not fit") }
            var list = [UInt64](); list.reserveCapacity(Int(words))
            for _ in 0..<words { list.append(try u64()) }
            bitmaps.append(PeerBitmap(peer: peer, words: list))
        }
        guard b.readableBytes == 0 else { throw corrupt("\(b.readableBytes) trailing bytes") }
        let header = MetadataHeader(
            formatVersion: formatVersion, nodeID: node, sizeBytes: size, bitmapBlockBytes: block,
            activityLogExtentBytes: extent, generations: GenerationSet(current: current, bitmap: slots, history: history),
            disk: diskStates[diskIndex], flags: flags, activityLog: al, bitmapPeers: peers)
        return PersistedMetadata(header: header, bitmaps: bitmaps)
    }

    static let diskStates: [DiskState] = [.diskless, .attaching, .detaching, .failed, .negotiating, .inconsistent,
                                          .outdated, .dUnknown, .consistent, .upToDate]

    static func checksum<C: Sequence>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// Reads a record, or nil when there is none yet (a new volume).
    static func load(_ path: String) throws(EngineError) -> PersistedMetadata? {
        guard AtomicFile.exists(path) else { return nil }
        do {
            return try decode(try AtomicFile.read(path, bytesMax: fileBytesMax), path: path)
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError("\(error)")
        }
    }

    /// Threads that do nothing but metadata writes. Each write waits for two fsyncs (several ms
    /// up to tens of ms); on the shared data pool a read or write of resync or application data
    /// queued behind them and waited as long (measured: a 1 MiB resync read waited ~25 ms for
    /// the pool's two threads, both in fsync). Metadata writes of one volume are serial anyway
    /// (the core keeps one outstanding); two threads let two volumes' writes overlap.
    static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    /// Writes a record durably (write-new, fsync, rename, fsync folder) on the metadata threads.
    static func store(_ m: PersistedMetadata, to path: String, threadPool: NIOThreadPool = MetadataFile.threadPool) async -> StorageResult {
        do {
            return try await threadPool.runIfActive {
                do {
                    try AtomicFile.write(encode(m), to: path, mode: 0o600)
                    return .done
                } catch {
                    return .failed("\(path): \(error)")
                }
            }
        } catch {
            return .failed("\(path): the I/O thread pool is shut down")
        }
    }
}
