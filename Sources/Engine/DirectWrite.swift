import DiskRing
import Glibc
import NIOConcurrencyHelpers
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
/// aligned buffer (kept for the next write, `AlignedBufferPool`), and the disk takes the data
/// from there.
///
/// ext4 holds the inode lock for a whole synchronous direct write, disk time included, and a
/// buffered application write to the same file waits for it. So where the loop has an io_uring
/// (`DiskRing`), resync writes go through it (`write(_:at:fd:ring:completion:)`): ext4 then
/// holds the lock only while it submits. The synchronous `write(_:at:fd:)` on a pool thread is
/// the path without a ring.
enum DirectWrite {
    /// Offsets, lengths and the buffer are aligned to this: enough for every disk with logical
    /// sectors of up to 4 KiB (O_DIRECT's rule is the device's logical block size).
    static let alignmentBytes = 4096
    /// Largest single direct write, and the size of the aligned buffer it is copied into.
    static let chunkBytesMax = 1 << 20
    /// The size of each direct write: `chunkBytesMax`, or a smaller piece for comparisons
    /// (`TANDEM_RESYNC_PIECE_KIB`, 4-1024 in 4 KiB steps; a smaller synchronous piece shortens
    /// ext4's inode-lock hold, at a cost in rate: docs/engine-measurements.md). Any other value
    /// is refused on standard error and the default kept.
    static let pieceBytes: Int = {
        guard let raw = getenv("TANDEM_RESYNC_PIECE_KIB").map({ String(cString: $0) }) else { return chunkBytesMax }
        guard let kib = Int(raw), kib >= 4, kib <= chunkBytesMax >> 10, kib % 4 == 0 else {
            let message = "tandem: TANDEM_RESYNC_PIECE_KIB=\(raw) ignored: it must be 4 to \(chunkBytesMax >> 10) in steps of 4 (KiB)\n"
            _ = message.withCString { Glibc.write(2, $0, strlen($0)) }
            return chunkBytesMax
        }
        return kib << 10
    }()

    /// Whether `count` bytes at `offset` can be written with O_DIRECT: a non-empty range whose
    /// start and length are multiples of `alignmentBytes` (the buffer is ours, always aligned).
    /// Both paths (`write(_:at:fd:)` and the ring's) ask this one question; a range it refuses
    /// the caller writes through the page cache.
    static func canWriteDirectly(_ count: Int, at offset: UInt64) -> Bool {
        count > 0 && count % alignmentBytes == 0 && offset % UInt64(alignmentBytes) == 0
    }

    /// Writes `data` at `offset` through `fd`, which was opened with O_DIRECT. Returns 0 when
    /// written, an errno when the write failed, or nil when this write cannot be done directly
    /// (unaligned, no memory for the aligned buffer, or the filesystem refuses O_DIRECT with
    /// EINVAL): the caller then writes the whole range through the page cache, which is safe
    /// because a partial direct write is simply overwritten.
    static func write(_ data: ByteBuffer, at offset: UInt64, fd: Int32, buffers: AlignedBufferPool = .shared) -> Int32? {
        let count = data.readableBytes
        guard canWriteDirectly(count, at: offset) else { return nil }
        guard let buffer = buffers.take() else { return nil }
        defer { buffers.give(buffer) }
        var done = 0
        while done < count {
            // One chunk at a time through the one buffer: a request of any size needs 1 MiB.
            let chunk = min(count - done, pieceBytes)
            data.withUnsafeReadableBytes { buffer.copyMemory(from: $0.baseAddress! + done, byteCount: chunk) }
            var written = 0
            while written < chunk {
                let n = pwrite(fd, buffer + written, chunk - written, off_t(offset) + off_t(done + written))
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno == EINVAL ? nil : errno
                }
                written += n
            }
            done += chunk
        }
        return 0
    }
}

extension DirectWrite {
    /// How a write through the ring ended.
    enum RingOutcome: Equatable {
        case written
        /// The write failed with this errno (handled as a failed synchronous write is).
        case failed(Int32)
        /// The range cannot be written directly here (unaligned, no aligned buffer, or EINVAL
        /// from the filesystem): the caller writes it through the page cache, as after `write`'s nil.
        case notDirect
    }

    /// Writes `data` at `offset` of `fd` (opened with O_DIRECT) through `ring`: asynchronously,
    /// so that ext4 holds the inode lock only while the write is submitted and an application's
    /// buffered write to the same file does not wait for the disk (`DiskRing`). Pieces of
    /// `chunkBytesMax` go one after another through one aligned buffer, copied when the ring
    /// gives the piece its slot. `completion` runs on the ring's loop once every piece is on the
    /// disk (as far as O_DIRECT takes it; a flush makes it durable, as for `write`), or at the
    /// first that fails. Nothing is reported written before the kernel said so.
    static func write(_ data: ByteBuffer, at offset: UInt64, fd: Int32, ring: DiskRing,
                      buffers: AlignedBufferPool = .shared, completion: @escaping (RingOutcome) -> Void) {
        guard canWriteDirectly(data.readableBytes, at: offset) else { return completion(.notDirect) }
        RingWrite(data: data, offset: offset, fd: fd, ring: ring, buffers: buffers, completion: completion).next()
    }
}

/// One `DirectWrite.write(_:at:fd:ring:)` in progress: its buffer, and how far it got.
private final class RingWrite {
    let data: ByteBuffer
    let offset: UInt64
    let fd: Int32
    let ring: DiskRing
    let buffers: AlignedBufferPool
    let completion: (DirectWrite.RingOutcome) -> Void
    var buffer: UnsafeMutableRawPointer?
    /// Bytes of `data` on the disk, and of the current piece.
    var done = 0
    var pieceDone = 0
    var pieceBytes = 0

    init(data: ByteBuffer, offset: UInt64, fd: Int32, ring: DiskRing, buffers: AlignedBufferPool,
         completion: @escaping (DirectWrite.RingOutcome) -> Void) {
        self.data = data; self.offset = offset; self.fd = fd; self.ring = ring; self.buffers = buffers
        self.completion = completion
    }

    /// Starts the next piece, or the rest of a piece the disk took only part of.
    func next() {
        if pieceDone == pieceBytes {
            done += pieceBytes
            pieceDone = 0
            pieceBytes = min(data.readableBytes - done, DirectWrite.pieceBytes)
            if pieceBytes == 0 { return finish(.written) }
        }
        let copyPiece = pieceDone == 0
        ring.write(fd: fd, count: pieceBytes - pieceDone, at: offset + UInt64(done + pieceDone), start: { [self] in
            if buffer == nil { buffer = buffers.take() }
            guard let buffer else { return nil }
            if copyPiece {
                let (from, count) = (done, pieceBytes)
                data.withUnsafeReadableBytes { buffer.copyMemory(from: $0.baseAddress! + from, byteCount: count) }
            }
            return UnsafeRawPointer(buffer + pieceDone)
        }, completion: { [self] result in
            switch result {
            case -ENOMEM where buffer == nil: finish(.notDirect)
            case -EINVAL: finish(.notDirect)
            case -ECANCELED:
                buffer = nil  // the kernel may still read it: never reused
                finish(.failed(ECANCELED))
            case ..<0: finish(.failed(-result))
            case 0: finish(.failed(EIO))  // a direct write that makes no progress: the disk is not taking data
            default:
                pieceDone += Int(result)
                next()
            }
        })
    }

    private func finish(_ outcome: DirectWrite.RingOutcome) {
        if let buffer { buffers.give(buffer) }
        buffer = nil
        completion(outcome)
    }
}

/// `DirectWrite`'s aligned buffers (`chunkBytesMax` each), kept for the next write instead of a
/// `posix_memalign` and `free` per resync request. Several resync writes are in flight at once
/// (in loops' rings, or on pool threads), each with a buffer of its own; at most `keptMax` are kept (the rest are
/// freed), for all volumes together, and none once the pool has been idle between two of
/// `EngineHeap`'s trims: after a resync the engine gives the memory back as it does its heap.
final class AlignedBufferPool: @unchecked Sendable {
    /// Enough for every write a loop's ring has in the kernel (`DiskRing.entries`), so a resync
    /// does not allocate and free 1 MiB per write.
    static let shared = AlignedBufferPool(keptMax: DiskRing.entries)

    let keptMax: Int
    private let lock = NIOLock()
    private var kept: [UnsafeMutableRawPointer] = []
    /// Buffers allocated so far (tests: that buffers are reused).
    private(set) var allocations = 0
    /// A buffer was taken since the last `releaseIfIdle`.
    private var takenSinceRelease = false

    init(keptMax: Int) {
        precondition(keptMax >= 0, "keptMax must not be negative")
        self.keptMax = keptMax
    }

    deinit { for buffer in kept { free(buffer) } }

    /// A kept buffer, else a new one; nil when memory is short.
    func take() -> UnsafeMutableRawPointer? {
        let reused = lock.withLock { () -> UnsafeMutableRawPointer? in
            takenSinceRelease = true
            return kept.popLast()
        }
        if let reused { return reused }
        var allocated: UnsafeMutableRawPointer?
        guard posix_memalign(&allocated, DirectWrite.alignmentBytes, DirectWrite.chunkBytesMax) == 0 else { return nil }
        lock.withLock { allocations += 1 }
        return allocated
    }

    func give(_ buffer: UnsafeMutableRawPointer) {
        let keep = lock.withLock { () -> Bool in
            guard kept.count < keptMax else { return false }
            kept.append(buffer)
            return true
        }
        if !keep { free(buffer) }
    }

    var keptCount: Int { lock.withLock { kept.count } }

    /// Frees the kept buffers when none was taken since the last call (`EngineHeap` calls it at
    /// every trim): a resync keeps them, an idle engine does not hold them.
    func releaseIfIdle() {
        let released = lock.withLock { () -> [UnsafeMutableRawPointer] in
            defer { takenSinceRelease = false }
            guard !takenSinceRelease else { return [] }
            let all = kept
            kept = []
            return all
        }
        for buffer in released { free(buffer) }
    }
}
