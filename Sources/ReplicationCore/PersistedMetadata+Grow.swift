extension PersistedMetadata {
    /// The metadata of this volume after its backing store grew to `config.sizeBytes` (DRBD
    /// `resize` with the new area known to be identical on every replica): the header records the
    /// new size and every peer bitmap gets clear bits for the new blocks, so the grown area needs
    /// no resync. The caller guarantees that assumption — the engine zeroes the new area of the
    /// backing store before it uses this — and that every diskful replica grows the same way.
    /// Everything else (generations, disk state, activity log, the old bits) is kept.
    public func grown(to config: ReplicaConfig) throws(MetadataError) -> PersistedMetadata {
        let old = header.sizeBytes
        guard config.sizeBytes > old else {
            throw MetadataError("cannot grow from \(old) B to \(config.sizeBytes) B; volumes only grow")
        }
        guard header.bitmapBlockBytes == config.bitmapBlockBytes, header.activityLogExtentBytes == config.activityLogExtentBytes,
              old % UInt64(config.bitmapBlockBytes) == 0 else {
            throw MetadataError("bitmap block or activity-log extent size differs from the configuration; cannot grow")
        }
        let wordCount = OutOfSyncBitmap.wordCount(blocks: config.blockCount)
        var result = self
        result.header.sizeBytes = config.sizeBytes
        let oldBlocks = old / UInt64(config.bitmapBlockBytes)
        for i in result.bitmaps.indices {
            // Bits past the old end meant nothing before; now they are blocks, and in sync.
            if oldBlocks % 64 != 0, Int(oldBlocks / 64) < result.bitmaps[i].words.count {
                result.bitmaps[i].words[Int(oldBlocks / 64)] &= OutOfSyncBitmap.tailMask(oldBlocks)
            }
            result.bitmaps[i].words += Array(repeating: 0, count: max(0, wordCount - result.bitmaps[i].words.count))
        }
        try result.validate(against: config)
        return result
    }
}
