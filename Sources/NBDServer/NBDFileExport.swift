#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CTandemIO
import NBDProtocol
import NIOCore
import NIOPosix

/// Serves a regular file (or block device) as an export: pread/pwrite on a thread pool so the
/// event loop never blocks on the disk. It is what `tandem nbd serve` exposes, what the tests
/// serve, and a local volume's plain backend. One file descriptor is shared by every connection,
/// so FLUSH/FUA on one connection cover all of them (multi-conn is advertised).
public final class NBDFileExport: NBDExportSource, NBDEventLoopExport, Sendable {
    public let path: String
    public let size: UInt64
    public let features: NBDExportFeatures
    private let fd: Int32
    private let threadPool: NIOThreadPool
    private let allocator = ByteBufferAllocator()

    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Opens `path`. `size` defaults to the file's size (for a block device, its byte length).
    public init(path: String, readOnly: Bool = false, threadPool: NIOThreadPool = .singleton) throws {
        var flags = readOnly ? O_RDONLY : O_RDWR
        flags |= O_CLOEXEC
        let fd = Glibc.open(path, flags)
        guard fd >= 0 else {
            throw OpenError(description: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        let end = lseek(fd, 0, SEEK_END)
        guard end >= 0 else {
            let message = String(cString: strerror(errno))
            _ = Glibc.close(fd)
            throw OpenError(description: "cannot determine the size of \(path): \(message)")
        }
        self.path = path
        self.fd = fd
        self.size = UInt64(end)
        self.threadPool = threadPool
        var features: NBDExportFeatures = .standard
        if readOnly { features.insert(.readOnly) }
        self.features = features
    }

    deinit {
        _ = Glibc.close(fd)
    }

    // MARK: NBDExportSource

    public func describe() async throws -> NBDExportDescription {
        NBDExportDescription(size: size, features: features, text: "file \(path)")
    }

    /// Every connection shares this object; there is no per-connection state.
    public func open(for client: NBDClientIdentity) async throws -> any NBDExport { self }

    // MARK: NBDExport

    public func read(offset: UInt64, length: Int) async throws -> ByteBuffer {
        let fd = self.fd
        let allocator = self.allocator
        return try await threadPool.runIfActive { try Self.read(fd, offset: offset, length: length, allocator: allocator) }
    }

    public func write(offset: UInt64, data: ByteBuffer, fua: Bool) async throws {
        let fd = self.fd
        try await threadPool.runIfActive { try Self.write(fd, offset: offset, data: data, fua: fua) }
    }

    public func flush() async throws {
        let fd = self.fd
        try await threadPool.runIfActive { try Self.syncData(fd) }
    }

    public func trim(offset: UInt64, length: Int, fua: Bool) async throws {
        let fd = self.fd
        try await threadPool.runIfActive { try Self.trim(fd, offset: offset, length: length, fua: fua) }
    }

    public func writeZeroes(offset: UInt64, length: Int, fua: Bool, mayPunchHoles: Bool) async throws {
        let fd = self.fd
        try await threadPool.runIfActive {
            try Self.writeZeroes(fd, offset: offset, length: length, fua: fua, mayPunchHoles: mayPunchHoles)
        }
    }

    public func close() async {}

    // MARK: NBDEventLoopExport

    /// A read the page cache can answer completely is served on the event loop, without waking
    /// a pool thread and coming back (two thread hops, most of a cached read's latency).
    public func readImmediately(offset: UInt64, length: Int) -> ByteBuffer? {
        guard length <= Self.inlineReadBytesMax else { return nil }
        return Self.readCached(fd, offset: offset, length: length, allocator: allocator)
    }

    public func pageCacheFile(offset: UInt64, length: Int) -> Int32? {
        Self.isCached(fd, offset: offset, length: length) ? fd : nil
    }

    /// True when every page of the range is in the page cache right now (cachestat(2)); false
    /// when not, or when the kernel cannot tell.
    public static func isCached(_ fd: Int32, offset: UInt64, length: Int) -> Bool {
        ctandem_range_cached(fd, Int64(offset), Int64(length)) == 1
    }

    public func execute(_ command: NBDCommand, on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
        let fd = self.fd
        let allocator = self.allocator
        if case let .read(_, offset, length) = command, let cached = readImmediately(offset: offset, length: length) {
            return eventLoop.makeSucceededFuture(cached)
        }
        return threadPool.runIfActive(eventLoop: eventLoop) { () throws -> ByteBuffer? in
            switch command {
            case let .read(_, offset, length):
                return try Self.read(fd, offset: offset, length: length, allocator: allocator)
            case let .write(_, offset, data, fua):
                try Self.write(fd, offset: offset, data: data, fua: fua)
            case .flush:
                try Self.syncData(fd)
            case let .trim(_, offset, length, fua):
                try Self.trim(fd, offset: offset, length: length, fua: fua)
            case let .writeZeroes(_, offset, length, fua, mayPunchHoles):
                try Self.writeZeroes(fd, offset: offset, length: length, fua: fua, mayPunchHoles: mayPunchHoles)
            }
            return nil
        }
    }

    // MARK: Blocking operations (run on the thread pool)

    private static func read(_ fd: Int32, offset: UInt64, length: Int, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var buffer = allocator.buffer(capacity: length)
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { bytes in
            var done = 0
            while done < length {
                let count = pread(fd, bytes.baseAddress! + done, length - done, off_t(offset) + off_t(done))
                if count < 0 {
                    if errno == EINTR { continue }
                    throw NBDExportError.fromErrno(errno, "read at \(offset)")
                }
                if count == 0 {
                    // The file shrank under us: what lies past its end reads as zeroes.
                    (bytes.baseAddress! + done).initializeMemory(as: UInt8.self, repeating: 0, count: length - done)
                    break
                }
                done += count
            }
            return length
        }
        return buffer
    }

    /// Reads larger than this go to the pool even when cached, so one request cannot hold the
    /// event loop (and the other connections on it) for long copying.
    /// (128 KiB: larger copies go to the pool threads, in parallel with the loop's socket work.)
    static let inlineReadBytesMax = 128 << 10


    /// The whole range if the page cache holds it, read without ever waiting for the disk
    /// (RWF_NOWAIT); nil when any part is not cached, on any error, or at the end of the file
    /// (the pool path then does the real read and reports real errors).
    /// Also the engine's backing-store fast path (BackingStore.readCached).
    public static func readCached(_ fd: Int32, offset: UInt64, length: Int, allocator: ByteBufferAllocator) -> ByteBuffer? {
        var buffer = allocator.buffer(capacity: length)
        let complete = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { bytes -> Int in
            var done = 0
            while done < length {
                let count = ctandem_pread_nowait(fd, bytes.baseAddress! + done, length - done, Int64(offset) + Int64(done))
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { return 0 }
                done += count
            }
            return length
        } == length
        return complete ? buffer : nil
    }

    private static func write(_ fd: Int32, offset: UInt64, data: ByteBuffer, fua: Bool) throws {
        try data.withUnsafeReadableBytes { bytes in try writeAll(fd, bytes, offset: offset) }
        if fua { try syncData(fd) }
    }

    private static func trim(_ fd: Int32, offset: UInt64, length: Int, fua: Bool) throws {
        // TRIM is a hint: where the filesystem cannot punch holes, doing nothing is correct.
        _ = fallocate(fd, mode: punchHole | keepSize, offset: offset, length: length)
        if fua { try syncData(fd) }
    }

    private static func writeZeroes(_ fd: Int32, offset: UInt64, length: Int, fua: Bool, mayPunchHoles: Bool) throws {
        let mode = mayPunchHoles ? punchHole | keepSize : zeroRange | keepSize
        if fallocate(fd, mode: mode, offset: offset, length: length) != 0 {
            try writeZeroBlocks(fd, offset: offset, length: length)
        }
        if fua { try syncData(fd) }
    }

    // MARK: System calls

    private static let keepSize: Int32 = 0x01    // FALLOC_FL_KEEP_SIZE
    private static let punchHole: Int32 = 0x02   // FALLOC_FL_PUNCH_HOLE
    private static let zeroRange: Int32 = 0x10   // FALLOC_FL_ZERO_RANGE

    private static func fallocate(_ fd: Int32, mode: Int32, offset: UInt64, length: Int) -> Int32 {
        ctandem_fallocate(fd, mode, Int64(offset), Int64(length))
    }

    private static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let count = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if count < 0 {
                if errno == EINTR { continue }
                throw NBDExportError.fromErrno(errno, "write at \(offset)")
            }
            done += count
        }
    }

    private static func writeZeroBlocks(_ fd: Int32, offset: UInt64, length: Int) throws {
        let chunk = min(length, 1 << 20)
        let zeroes = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 4096)
        defer { zeroes.deallocate() }
        zeroes.initializeMemory(as: UInt8.self, repeating: 0)
        var done = 0
        while done < length {
            let count = min(chunk, length - done)
            try writeAll(fd, UnsafeRawBufferPointer(rebasing: zeroes[0..<count]), offset: offset + UInt64(done))
            done += count
        }
    }

    private static func syncData(_ fd: Int32) throws {
        while fdatasync(fd) != 0 {
            if errno == EINTR { continue }
            throw NBDExportError.fromErrno(errno, "fdatasync")
        }
    }
}
