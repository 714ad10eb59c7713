/// One peer's out-of-sync bitmap in memory: bit n set ⇒ block n (of `blockBytes`) may differ on
/// that peer. Words changed since the last metadata write are tracked so that only they are
/// written (`takeDirtyWords`).
struct OutOfSyncBitmap: Sendable, Equatable {
    private(set) var words: [UInt64]
    let blockCount: UInt64
    let blockBytes: UInt64
    private(set) var setCount: UInt64
    /// Word indices changed since the last `takeDirtyWords`, kept sorted and unique.
    private var dirty: [Int] = []
    private var dirtyMark: [Bool]
    /// Some dirty word gained a bit since the last `takeDirtyWords`. Words that only lost bits
    /// (resync progress) may reach disk late: a bit still set on disk only means that block is
    /// resynced once more after a crash, so those writes can be batched.
    private(set) var dirtyHasSetBits = false

    init(blockCount: UInt64, blockBytes: UInt64, words: [UInt64]? = nil) {
        let wordCount = Int((blockCount + 63) / 64)
        self.blockCount = blockCount
        self.blockBytes = blockBytes
        self.words = words ?? Array(repeating: 0, count: wordCount)
        precondition(self.words.count == wordCount, "bitmap word count \(self.words.count) ≠ \(wordCount)")
        self.dirtyMark = Array(repeating: false, count: wordCount)
        var count: UInt64 = 0
        for (i, w) in self.words.enumerated() {
            // Bits beyond the last block are never meaningful; clear them so counts stay exact.
            let w2 = i == wordCount - 1 ? w & Self.tailMask(blockCount) : w
            self.words[i] = w2
            count += UInt64(w2.nonzeroBitCount)
        }
        self.setCount = count
    }

    private static func tailMask(_ blockCount: UInt64) -> UInt64 {
        let r = blockCount % 64
        return r == 0 ? ~0 : (UInt64(1) << r) - 1
    }

    var isClear: Bool { setCount == 0 }
    var dirtyCount: Int { dirty.count }

    /// Blocks touched by the byte range [offset, offset+length).
    func blocks(offsetBytes: UInt64, lengthBytes: UInt64) -> Range<UInt64> {
        precondition(lengthBytes > 0 && offsetBytes + lengthBytes <= blockCount * blockBytes,
                     "range \(offsetBytes)+\(lengthBytes) outside the bitmap")
        return (offsetBytes / blockBytes) ..< ((offsetBytes + lengthBytes + blockBytes - 1) / blockBytes)
    }

    /// Blocks entirely covered by the byte range (a write covering them makes them in sync).
    func coveredBlocks(offsetBytes: UInt64, lengthBytes: UInt64) -> Range<UInt64> {
        let first = (offsetBytes + blockBytes - 1) / blockBytes
        let end = (offsetBytes + lengthBytes) / blockBytes
        return first < end ? first ..< end : first ..< first
    }

    func isSet(_ block: UInt64) -> Bool {
        words[Int(block / 64)] & (UInt64(1) << (block % 64)) != 0
    }

    mutating func set(_ blocks: Range<UInt64>) { update(blocks, to: true) }
    mutating func clear(_ blocks: Range<UInt64>) { update(blocks, to: false) }
    mutating func setAll() { update(0 ..< blockCount, to: true) }
    mutating func clearAll() { update(0 ..< blockCount, to: false) }

    private mutating func update(_ blocks: Range<UInt64>, to value: Bool) {
        precondition(blocks.upperBound <= blockCount, "block \(blocks.upperBound) beyond \(blockCount)")
        var block = blocks.lowerBound
        while block < blocks.upperBound {
            let index = Int(block / 64)
            let bit = block % 64
            let span = min(64 - bit, blocks.upperBound - block)
            let mask: UInt64 = span == 64 ? ~0 : ((UInt64(1) << span) - 1) << bit
            let old = words[index]
            let new = value ? old | mask : old & ~mask
            if new != old {
                words[index] = new
                setCount = setCount - UInt64(old.nonzeroBitCount) + UInt64(new.nonzeroBitCount)
                if value { dirtyHasSetBits = true }
                markDirty(index)
            }
            block += span
        }
    }

    mutating func or(words other: [UInt64], firstWord: Int) {
        precondition(firstWord >= 0 && firstWord + other.count <= words.count, "bitmap chunk out of range")
        let last = words.count - 1
        for (i, w) in other.enumerated() {
            let index = firstWord + i
            let add = index == last ? w & Self.tailMask(blockCount) : w
            let old = words[index]
            let new = old | add
            if new != old {
                words[index] = new
                setCount += UInt64(new.nonzeroBitCount - old.nonzeroBitCount)
                dirtyHasSetBits = true
                markDirty(index)
            }
        }
    }

    private mutating func markDirty(_ index: Int) {
        if !dirtyMark[index] {
            dirtyMark[index] = true
            dirty.append(index)
        }
    }

    /// The set bits of `blocks` as words, bit k for block `blocks.lowerBound + k`
    /// (`PeerBlocks`); nil when none is set.
    func words(in blocks: Range<UInt64>) -> [UInt64]? {
        var result: [UInt64]? = nil
        var block = blocks.lowerBound
        while let found = nextSet(from: block), found < blocks.upperBound {
            let k = found - blocks.lowerBound
            if result == nil { result = Array(repeating: 0, count: Int((blocks.count + 63) / 64)) }
            result![Int(k / 64)] |= UInt64(1) << (k % 64)
            block = found + 1
        }
        return result
    }

    /// Sets block `first + k` for each bit k set in `words` (as `words(in:)` gives them), up to
    /// `end`: bits beyond it are ignored.
    mutating func set(words: [UInt64], from first: UInt64, end: UInt64) {
        for (index, word) in words.enumerated() {
            var w = word
            while w != 0 {
                let block = first + UInt64(index) * 64 + UInt64(w.trailingZeroBitCount)
                w &= w - 1
                guard block < min(end, blockCount) else { return }
                update(block ..< block + 1, to: true)
            }
        }
    }

    /// First set block at or after `from`, or nil.
    func nextSet(from: UInt64) -> UInt64? {
        var block = from
        while block < blockCount {
            let index = Int(block / 64)
            let masked = words[index] & (~0 << (block % 64))
            if masked != 0 {
                let found = UInt64(index) * 64 + UInt64(masked.trailingZeroBitCount)
                return found < blockCount ? found : nil
            }
            block = UInt64(index + 1) * 64
        }
        return nil
    }

    /// Changed words since the last call, grouped in runs, for a metadata write.
    mutating func takeDirtyWords(peer: NodeID) -> [PeerBitmapWords] {
        guard !dirty.isEmpty else { return [] }
        let indices = dirty.sorted()
        for i in indices { dirtyMark[i] = false }
        dirty.removeAll(keepingCapacity: true)
        dirtyHasSetBits = false
        var result: [PeerBitmapWords] = []
        for i in indices {
            if var lastRun = result.last, Int(lastRun.firstWord) + lastRun.words.count == i {
                lastRun.words.append(words[i])
                result[result.count - 1] = lastRun
            } else {
                result.append(PeerBitmapWords(peer: peer, firstWord: UInt64(i), words: [words[i]]))
            }
        }
        return result
    }

    /// Non-empty chunks for the bitmap exchange, then a final (possibly empty) chunk.
    func chunks() -> [BitmapChunk] {
        var result: [BitmapChunk] = []
        var start = 0
        while start < words.count {
            let end = min(start + BitmapChunk.wordsMax, words.count)
            if words[start ..< end].contains(where: { $0 != 0 }) {
                result.append(BitmapChunk(firstWord: UInt64(start), words: Array(words[start ..< end]), isLast: false))
            }
            start = end
        }
        if result.isEmpty {
            result.append(BitmapChunk(firstWord: 0, words: [], isLast: true))
        } else {
            result[result.count - 1].isLast = true
        }
        return result
    }
}
