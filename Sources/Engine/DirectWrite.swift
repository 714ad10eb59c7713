import Glibc
import NIOCore

/// Writes resync data with O_DIRECT, around the page cache.
///
/// Why: a resync target writes the whole volume once, and nothing reads that data back soon.
/// Through the page cache each 1 MiB write copied into freshly allocated page-cache folios,
/// which on this machine cost 3.5 ms of CPU per MiB (perf on a resync target:
/// `copy_folio_from_iter_atomic` at 79 % of the engine's CPU; 4.2-4.6 ms of engine CPU per MiB
/// resynced on the target against 1.2-1.5 ms on the source, at load ~15). That CPU is taken from
/// the application's writes on both nodes: a qd1 writer's round trip waited for busy engine
/// threads and for the inode lock a buffered resync write holds while it copies (4k write p50
/// 2-14 ms during a resync against 0.1-0.2 ms after it). A direct write copies once into an
/// aligned buffer that the heap reuses, and the disk takes the data from there.
///
/// The writes are issued in `chunkBytesMax` pieces: ext4 holds the inode lock for a whole
/// synchronous direct write, disk time included, and a buffered application write to the same
/// file waits for it; a smaller piece bounds that wait.
enum DirectWrite {
    /// Offsets, lengths and the buffer are aligned to this: enough for every disk with logical
    /// sectors of up to 4 KiB (O_DIRECT's rule is the device's logical block size).
    static let alignmentBytes = 4096
    /// Largest single direct write.
    static let chunkBytesMax = 1 << 20

    /// Writes `data` at `offset` through `fd`, which was opened with O_DIRECT. Returns 0 when
    /// written, an errno when the write failed, or nil when this write cannot be done directly
    /// (unaligned, no memory for the aligned buffer, or the filesystem refuses O_DIRECT with
    /// EINVAL): the caller then writes the whole range through the page cache, which is safe
    /// because a partial direct write is simply overwritten.
    static func write(_ data: ByteBuffer, at offset: UInt64, fd: Int32) -> Int32? {
        let count = data.readableBytes
        guard count > 0, count % alignmentBytes == 0, offset % UInt64(alignmentBytes) == 0 else { return nil }
        var allocated: UnsafeMutableRawPointer?
        guard posix_memalign(&allocated, alignmentBytes, count) == 0, let buffer = allocated else { return nil }
        defer { free(buffer) }
        data.withUnsafeReadableBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: count) }
        var done = 0
        while done < count {
            let n = pwrite(fd, buffer + done, min(count - done, chunkBytesMax), off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                return errno == EINVAL ? nil : errno
            }
            done += n
        }
        return 0
    }
}
