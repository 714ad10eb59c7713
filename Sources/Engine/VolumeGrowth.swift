import CTandemIO
import Glibc
import Logging
import NIOPosix
import ReplicationCore

/// Growing a volume (`vd set-size` → the satellites grow the backing volumes and rewrite the
/// resource file with the new size → the engine brings the volume up at the new size). The grown
/// area must not need a resync, so every replica makes it read as zeros before using it; then
/// the metadata records the new size with clean bitmap bits for the new blocks.
enum VolumeGrowth {
    /// Zeroes `[old size, new size)` of the backing disk, makes it durable, then writes the grown
    /// metadata (same crash-safe replace as every metadata write). A crash in between leaves the
    /// old metadata and the next start simply grows again.
    static func grow(_ metadata: PersistedMetadata, to config: ReplicaConfig, backingPath: String, writer: inout MetadataFileWriter,
                     logger: Logger, threadPool: NIOThreadPool = .singleton) async throws(EngineError) -> PersistedMetadata {
        let metadataPath = writer.path
        let old = metadata.header.sizeBytes, new = config.sizeBytes
        let grown: PersistedMetadata
        do { grown = try metadata.grown(to: config) } catch {
            throw EngineError("\(metadataPath): \(error)")
        }
        let zeroed: String?
        do {
            zeroed = try await threadPool.runIfActive { zeroRange(backingPath, from: old, to: new) }
        } catch {
            throw EngineError("\(backingPath): cannot zero the grown area: the I/O thread pool is shut down")
        }
        if let zeroed { throw EngineError(zeroed) }
        let write = writer.replace(with: grown)
        if case .failed(let why) = await writer.run(write) { throw EngineError(why) }
        logger.notice("\(config.resourceName) volume \(config.volume) grew from \(old) to \(new) bytes; the new area reads as zeros on every replica and needs no resync")
        return grown
    }

    /// nil on success, else what failed. A regular file whose new area holds no data (holes or
    /// unwritten extents, as `truncate`/`fallocate` leave it) is left alone, so a thin file stays
    /// thin and a preallocated one stays allocated. Otherwise the range is zeroed in place
    /// (ZERO_RANGE keeps the allocation), else punched, else written with zeros; then fdatasync.
    static func zeroRange(_ path: String, from start: UInt64, to end: UInt64) -> String? {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return "\(path): cannot open the backing disk to grow it: \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG {
            let data = lseek(fd, off_t(start), 3)  // SEEK_DATA (not exported by Glibc)
            if data < 0 && errno == ENXIO || (data >= 0 && UInt64(data) >= end) { return nil }
        }
        let zeroRange: Int32 = 0x10 | 0x01  // FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE
        let punch: Int32 = 0x02 | 0x01      // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
        if ctandem_fallocate(fd, zeroRange, Int64(start), Int64(end - start)) != 0,
           ctandem_fallocate(fd, punch, Int64(start), Int64(end - start)) != 0 {
            let zeros = [UInt8](repeating: 0, count: 1 << 20)
            var at = start
            while at < end {
                let n = zeros.withUnsafeBytes { pwrite(fd, $0.baseAddress!, Int(min(UInt64(zeros.count), end - at)), off_t(at)) }
                if n < 0 { if errno == EINTR { continue }; return "\(path): writing zeros at byte \(at) failed: \(String(cString: strerror(errno)))" }
                at += UInt64(n)
            }
        }
        return fdatasync(fd) == 0 ? nil : "\(path): fdatasync failed: \(String(cString: strerror(errno)))"
    }
}
