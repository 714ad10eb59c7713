import CTandemIO
import DiskRing
import Glibc
import NIOCore
import NIOPosix
import NBDServer
import ReplicationCore

/// The local backing file (or block device) of one volume. Every call runs on a thread pool so
/// the event loops never wait for the disk; results come back as the core's `StorageResult`,
/// failures included (the core decides what an I/O error means, e.g. detach).
final class BackingStore: Sendable {
    let path: String
    let sizeBytes: UInt64
    private let fd: Int32
    /// The same file opened with O_DIRECT, for resync writes (`perform(_:on:direct:)`); -1
    /// where the filesystem cannot (tmpfs), and resync writes then go through the page cache.
    private let directFD: Int32
    private let threadPool: NIOThreadPool

    /// Opens the backing store read-write and checks it holds at least `sizeBytes`.
    init(path: String, sizeBytes: UInt64, threadPool: NIOThreadPool = .singleton) throws(EngineError) {
        if let why = ExportedDeviceGuard.refusal(for: path) {
            throw EngineError("\(path): refused as a backing disk: \(why). A volume's data must not pass through a Tandem local device (its write-back would need this engine while it waits for memory: docs/local-device.md); keep backing disks on real storage")
        }
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            throw EngineError("\(path): cannot open the backing disk: \(String(cString: strerror(errno)))")
        }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0, UInt64(end) >= sizeBytes else {
            close(fd)
            throw EngineError("\(path): the backing disk holds \(max(0, end)) bytes, but the resource file says the volume is \(sizeBytes) bytes")
        }
        self.path = path; self.sizeBytes = sizeBytes; self.fd = fd; self.threadPool = threadPool
        let direct = ctandem_o_direct()
        directFD = direct == 0 ? -1 : open(path, O_RDWR | O_CLOEXEC | direct)
    }

    /// Whether resync writes can go around the page cache here (not on tmpfs, for one).
    var writesResyncDirectly: Bool { directFD >= 0 }

    deinit {
        close(fd)
        if directFD >= 0 { close(directFD) }
    }

    /// Whether the backing store provably holds no data yet (reads as zeros): true for a regular
    /// file without any allocated data (a fresh sparse file), false for one with data, nil when
    /// it cannot be told (a block device such as a thin LV or zvol: the caller trusts that it
    /// was created fresh).
    func holdsNoData() -> Bool? {
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        let seekData: Int32 = 3  // SEEK_DATA
        let first = lseek(fd, 0, seekData)
        if first >= 0 { return UInt64(first) >= sizeBytes }
        return errno == ENXIO ? true : nil
    }

    /// Runs one data action of the core on the thread pool (`.writeMetadata` is not one, see
    /// MetadataFile); the future completes on `eventLoop`. Failures are results, never a failed
    /// future: the core decides what an I/O error means. `direct`: a write of resync data,
    /// written around the page cache where it can be (`DirectWrite`).
    func perform(_ action: StorageAction, on eventLoop: any EventLoop, direct: Bool = false) -> EventLoopFuture<StorageResult> {
        let fd = self.fd, path = self.path, directFD = direct ? self.directFD : -1
        if directFD >= 0, Self.resyncWritesUseRing, case .write(_, let offset, let data, let fua) = action,
           let ring = DiskRing.on(eventLoop) {
            // Through the loop's ring: ext4 holds the inode lock only while submitting, so the
            // application's writes to this file do not wait for the disk behind it (`DiskRing`).
            let promise = eventLoop.makePromise(of: StorageResult.self)
            DirectWrite.write(data, at: offset, fd: directFD, ring: ring) { outcome in
                switch outcome {
                case .written where fua:
                    promise.completeWith(self.onPool(eventLoop) { Self.sync(fd, path) })
                case .written:
                    promise.succeed(.done)
                case .failed(let code):
                    errno = code
                    promise.succeed(Self.failure("write", path, offset))
                case .notDirect:
                    promise.completeWith(self.perform(action, on: eventLoop))
                }
            }
            return promise.futureResult
        }
        return onPool(eventLoop) { () -> StorageResult in
            if directFD >= 0, case .write(_, let offset, let data, let fua) = action,
               let written = DirectWrite.write(data, at: offset, fd: directFD) {
                if written != 0 { errno = written; return Self.failure("write", path, offset) }
                return fua ? Self.sync(fd, path) : .done
            }
            return Self.performBlocking(action, fd: fd, path: path)
        }
    }

    /// Runs `body` on the I/O pool. The future never fails: a pool already shut down (the engine
    /// is stopping) answers with a storage failure naming the file, which the core handles as it
    /// handles any failed I/O.
    private func onPool(_ eventLoop: any EventLoop, _ body: @escaping @Sendable () -> StorageResult) -> EventLoopFuture<StorageResult> {
        let path = self.path
        return threadPool.runIfActive(eventLoop: eventLoop, body).recover { _ in .failed("\(path): the I/O thread pool is shut down") }
    }

    /// Whether resync writes go through the loop's io_uring (`DiskRing`) rather than a
    /// synchronous `pwrite` on a pool thread. `TANDEM_RESYNC_RING=0` turns it off (to compare).
    static let resyncWritesUseRing = getenv("TANDEM_RESYNC_RING").map { String(cString: $0) != "0" } ?? true

    /// Small writes without FUA are done on the calling event loop instead of the pool. A
    /// buffered `pwrite` of a few KiB only copies into the page cache (a few µs), while the trip
    /// to a pool thread and back costs two thread wake-ups, most of a small write's latency on a
    /// busy machine. The price: when the kernel throttles a writer for too much dirty memory,
    /// the loop waits with it (nbdkit's file plugin blocks its worker threads the same way).
    /// FUA, flushes, trims and large writes always go to the pool.
    static let inlineWriteBytesMax = 64 << 10

    /// Whether `performInline` does `action` (a small write without FUA).
    static func performsInline(_ action: StorageAction) -> Bool {
        guard case .write(_, _, let data, let fua) = action else { return false }
        return !fua && data.readableBytes <= inlineWriteBytesMax
    }

    /// Performs `action` right here if it is a small write without FUA; nil otherwise.
    func performInline(_ action: StorageAction) -> StorageResult? {
        guard Self.performsInline(action) else { return nil }
        return Self.performBlocking(action, fd: fd, path: path)
    }

    // MARK: reads for LocalReadPath (NBD READs the core would serve locally)

    /// Larger reads always go to the pool, so one request cannot hold an event loop for long.
    /// (128 KiB: larger copies go to the pool threads, in parallel with the loop's socket work.)
    static let inlineReadBytesMax = 128 << 10
    private static let allocator = ByteBufferAllocator()

    /// The range if the page cache holds all of it (RWF_NOWAIT: never waits for the disk); nil
    /// otherwise, on any error, or past the end of a short file.
    func readCached(offset: UInt64, length: Int) -> ByteBuffer? {
        NBDFileExport.readCached(fd, offset: offset, length: length, allocator: Self.allocator)
    }

    /// The descriptor if the page cache holds the whole range now (cachestat), for sendfile.
    func pageCacheFile(offset: UInt64, length: Int) -> Int32? {
        NBDFileExport.isCached(fd, offset: offset, length: length) ? fd : nil
    }

    /// Reads the range on the thread pool into a buffer the NBD reply sends as is; nil on any
    /// failure (the caller then asks the core, which handles a failing disk).
    func readBuffer(offset: UInt64, length: Int, on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
        let fd = self.fd
        return threadPool.runIfActive(eventLoop: eventLoop) { () -> ByteBuffer? in
            var buffer = Self.allocator.buffer(capacity: length)
            let filled = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { bytes -> Int in
                var done = 0
                while done < length {
                    let n = pread(fd, bytes.baseAddress! + done, length - done, off_t(offset) + off_t(done))
                    if n < 0 && errno == EINTR { continue }
                    if n < 0 { return 0 }
                    if n == 0 {  // beyond the end of a short file reads as zeros, as in performBlocking
                        (bytes.baseAddress! + done).initializeMemory(as: UInt8.self, repeating: 0, count: length - done)
                        break
                    }
                    done += n
                }
                return length
            }
            return filled == length ? buffer : nil
        }.recover { _ in nil }
    }

    private static func performBlocking(_ action: StorageAction, fd: Int32, path: String) -> StorageResult {
        switch action {
        case .read(_, let offset, let length):
            // Uninitialized: pread fills it, and only a short file's tail is zeroed (a resync
            // read is 1 MiB; zeroing it first cost a pass over it for nothing).
            var readErrno: Int32 = 0
            let data = [UInt8](unsafeUninitializedCapacity: Int(length)) { bytes, count in
                var done = 0
                while done < bytes.count {
                    let n = pread(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
                    if n < 0 { if errno == EINTR { continue }; readErrno = errno; break }
                    if n == 0 {  // beyond the end of a short file reads as zeros
                        (bytes.baseAddress! + done).initialize(repeating: 0, count: bytes.count - done)
                        break
                    }
                    done += n
                }
                count = readErrno == 0 ? bytes.count : 0
            }
            guard readErrno == 0 else { errno = readErrno; return failure("read", path, offset) }
            return .data(data)
        case .write(_, let offset, let data, let fua):
            if let f = writeAll(fd, data, offset, path) { return f }
            return fua ? sync(fd, path) : .done
        case .trim(_, let offset, let length, let fua), .writeZeroes(_, let offset, let length, let fua):
            // Both must read back as zeros afterwards: punch a hole, or write zeros where the
            // filesystem or device cannot punch.
            let punch: Int32 = 0x02 | 0x01  // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
            if ctandem_fallocate(fd, punch, Int64(offset), Int64(length)) != 0 {
                var remaining = Int(length), at = offset
                let zeros = ByteBuffer(repeating: 0, count: min(Int(length), 1 << 20))
                while remaining > 0 {
                    let chunk = min(remaining, zeros.readableBytes)
                    if let f = writeAll(fd, zeros.getSlice(at: zeros.readerIndex, length: chunk)!, at, path) { return f }
                    remaining -= chunk; at += UInt64(chunk)
                }
            }
            return fua ? sync(fd, path) : .done
        case .flush:
            return sync(fd, path)
        case .writeMetadata:
            preconditionFailure("metadata writes go to the metadata file, not the backing disk")
        }
    }

    private static func writeAll(_ fd: Int32, _ data: ByteBuffer, _ offset: UInt64, _ path: String) -> StorageResult? {
        var done = 0
        while done < data.readableBytes {
            let n = data.withUnsafeReadableBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset) + off_t(done)) }
            if n < 0 { if errno == EINTR { continue }; return failure("write", path, offset) }
            done += n
        }
        return nil
    }

    fileprivate static func sync(_ fd: Int32, _ path: String) -> StorageResult {
        fdatasync(fd) == 0 ? .done : .failed("\(path): fdatasync failed: \(String(cString: strerror(errno)))")
    }

    fileprivate static func failure(_ what: String, _ path: String, _ offset: UInt64) -> StorageResult {
        .failed("\(path): \(what) at byte \(offset) failed: \(String(cString: strerror(errno)))")
    }
}

/// An operating error of the engine, written for the operator (names the file or peer).
struct EngineError: Error, Sendable, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
