import NIOCore
import ReplicationCore

/// The metadata file format of sessions 1-3 (file version 1): one record, rewritten whole on
/// every change (write-new, fsync, rename). Read so that volumes created by an older engine come
/// up with their generations, bitmaps and activity log; the first update then replaces the file
/// with the current format (`MetadataFile`). The encoder stays for tests of that upgrade.
///
/// Layout (big-endian): magic "TNDMMETA" · file version u32 (1) · header (`MetadataFile.encodeHeader`)
/// · bitmap slot count u32 · per slot: node u8, word count u64, words u64… · FNV-1a 64 checksum of
/// everything before it.
enum MetadataFileV1 {
    static let fileVersion: UInt32 = 1

    static func encode(_ m: PersistedMetadata) -> [UInt8] {
        var b = ByteBuffer()
        b.writeBytes(MetadataFile.magic)
        b.writeInteger(fileVersion)
        MetadataFile.encodeHeader(m.header, into: &b)
        b.writeInteger(UInt32(m.bitmaps.count))
        for bitmap in m.bitmaps {
            b.writeInteger(bitmap.peer.rawValue); b.writeInteger(UInt64(bitmap.words.count))
            for w in bitmap.words { b.writeInteger(w) }
        }
        b.writeInteger(MetadataFile.checksum(b.readableBytesView))
        return Array(b.readableBytesView)
    }

    /// Decodes a version-1 record (magic and version already checked by the caller).
    static func decode(_ bytes: [UInt8], path: String) throws(EngineError) -> PersistedMetadata {
        guard bytes.count >= MetadataFile.magic.count + 4 + 8 else { throw MetadataReader.corrupt(path, "\(bytes.count) bytes is not a metadata record") }
        let stored = bytes.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard MetadataFile.checksum(bytes.dropLast(8)) == stored else { throw MetadataReader.corrupt(path, "checksum mismatch") }
        var r = MetadataReader(bytes.dropLast(8), path: path)
        try r.skip(MetadataFile.magic.count + 4)
        let header = try MetadataFile.decodeHeader(&r)
        var bitmaps: [PeerBitmap] = []
        for _ in 0..<(try r.count(elementBytes: 9, max: MetadataFileLayout.peerSlotsMax)) {
            let peer = NodeID(try r.u8())
            let words = try r.u64()
            guard words <= UInt64(r.remaining / 8) else { throw r.corrupt("bitmap of \(words) words does not fit") }
            bitmaps.append(PeerBitmap(peer: peer, words: try r.u64s(Int(words))))
        }
        try r.finish()
        return PersistedMetadata(header: header, bitmaps: bitmaps)
    }
}
