import EngineFiles
import Glibc
import ReplicationCore

/// One metadata write, planned on the resource's loop and carried out on a metadata thread.
enum MetadataWrite: Sendable {
    /// Replace the whole file (write-new, fsync, rename, fsync the folder).
    case replace(PersistedMetadata, MetadataFileLayout, sequence: UInt64)
    /// A transaction in place: bitmap pages (offset, bytes), made durable before the slot.
    case transaction(pages: [(offset: Int, bytes: [UInt8])], slotOffset: Int, slot: [UInt8])
}

/// Writes one volume's metadata file (format and flush discipline: `MetadataFile`). It knows
/// the file's layout and the sequence of the current transaction slot, so an update writes only
/// the changed bitmap pages and the next slot; an update the layout cannot hold, or the first
/// update of an old-format file, replaces the file whole.
///
/// Used from one resource actor; the core keeps at most one write outstanding per volume, so
/// planning the next write may assume the previous one finished.
struct MetadataFileWriter: Sendable {
    let path: String
    /// al-extents: a replaced file's slots are sized for this many activity-log extents.
    var activityLogExtentsMax: Int
    /// The file's layout, nil when the next write must replace the file (none yet, old format,
    /// or a write failed and the file's state is unknown).
    private(set) var layout: MetadataFileLayout?
    /// Sequence of the slot holding the current header.
    private(set) var sequence: UInt64

    init(path: String, activityLogExtentsMax: Int, loaded: MetadataFile.Loaded? = nil) {
        self.path = path
        self.activityLogExtentsMax = activityLogExtentsMax
        layout = loaded?.layout
        sequence = loaded?.sequence ?? 0
    }

    /// The write that replaces the file with `metadata` in a layout that fits it.
    mutating func replace(with metadata: PersistedMetadata) -> MetadataWrite {
        let fresh = MetadataFileLayout.fitting(metadata, activityLogExtentsMax: activityLogExtentsMax)
        layout = fresh
        sequence += 1
        return .replace(metadata, fresh, sequence: sequence)
    }

    /// The write that takes the file to `next`, the metadata after `update`: in place when the
    /// layout holds it (only `update`'s bitmap words, as whole pages read from `next`, and the
    /// next slot), else a replacement.
    mutating func write(_ next: PersistedMetadata, for update: MetadataUpdate) -> MetadataWrite {
        guard let layout, layout.holds(next) else { return replace(with: next) }
        var pages: [(offset: Int, bytes: [UInt8])] = []
        for (k, bitmap) in next.bitmaps.enumerated() {
            var dirtyPages = Set<Int>()
            for run in update.bitmapWords where run.peer == bitmap.peer && !run.words.isEmpty {
                let first = Int(run.firstWord) / layout.wordsPerPage
                let last = (Int(run.firstWord) + run.words.count - 1) / layout.wordsPerPage
                dirtyPages.formUnion(first...last)
            }
            for page in dirtyPages.sorted() {
                let start = page * layout.wordsPerPage
                let words = bitmap.words[start ..< min(start + layout.wordsPerPage, bitmap.words.count)]
                var bytes = [UInt8]()
                bytes.reserveCapacity(words.count * 8)
                for w in words { withUnsafeBytes(of: w.bigEndian) { bytes.append(contentsOf: $0) } }
                pages.append((layout.bitmapPageOffset(peerIndex: k, page: page), bytes))
            }
        }
        sequence += 1
        return .transaction(pages: pages, slotOffset: layout.slotOffset(sequence: sequence),
                            slot: MetadataFile.encodeSlot(next.header, sequence: sequence, slotBytes: layout.slotBytes))
    }

    /// After a failed write the file may hold anything the write began: replace it next time.
    mutating func writeFailed() { layout = nil }

    /// Runs `write` on the metadata threads.
    func run(_ write: MetadataWrite) async -> StorageResult {
        let path = self.path
        do {
            return try await MetadataFile.threadPool.runIfActive { Self.perform(write, path: path) }
        } catch {
            return .failed("\(path): the I/O thread pool is shut down")
        }
    }

    /// Carries out `write` (blocking: on a metadata thread).
    static func perform(_ write: MetadataWrite, path: String) -> StorageResult {
        switch write {
        case .replace(let metadata, let layout, let sequence):
            do {
                try AtomicFile.write(MetadataFile.encode(metadata, layout: layout, sequence: sequence), to: path, mode: 0o600)
                return .done
            } catch {
                return .failed("\(path): \(error)")
            }
        case .transaction(let pages, let slotOffset, let slot):
            let fd = open(path, O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { return .failed("\(path): open failed: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            for page in pages {
                if let failure = writeAll(fd, page.bytes, at: page.offset, path: path) { return failure }
            }
            // Bits first: the header may evict the activity-log extents those bits cover, and
            // after a crash only the log's extents are resynced beyond the bitmap.
            if !pages.isEmpty, fdatasync(fd) != 0 { return .failed("\(path): fdatasync failed: \(String(cString: strerror(errno)))") }
            if let failure = writeAll(fd, slot, at: slotOffset, path: path) { return failure }
            if fdatasync(fd) != 0 { return .failed("\(path): fdatasync failed: \(String(cString: strerror(errno)))") }
            return .done
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, path: String) -> StorageResult? {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failed("\(path): write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        return nil
    }
}
