import CFuse3
import Glibc
import NBDProtocol
import NIOCore
import NIOPosix

/// Serves one `NBDExport` as a single regular file, `<mountpoint>/device`, through the libfuse 3
/// low-level API. The FUSE loop runs on its own thread and only dispatches: each read, write,
/// fsync or fallocate runs as a Swift task against the export and replies when it finishes, so
/// the kernel can keep many requests in flight (loop with direct I/O submits them
/// asynchronously) while one thread reads /dev/fuse.
public final class FuseExportFile: @unchecked Sendable {
    // @unchecked: `session` is written once before the loop thread starts and read by stop();
    // the C callbacks only read immutable properties.
    public static let fileName = "device"
    static let rootInode: fuse_ino_t = 1
    static let fileInode: fuse_ino_t = 2

    public let export: any NBDExport
    public let mountpoint: String
    /// FUSE direct_io on the file: the kernel page cache is bypassed on the FUSE layer too.
    public let directIO: Bool
    private var session: OpaquePointer?
    private let loopThread = NIOThreadPool(numberOfThreads: 1)
    private var loopFinished: Task<Int32, Error>?

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public init(export: any NBDExport, mountpoint: String, directIO: Bool = true) {
        self.export = export
        self.mountpoint = mountpoint
        self.directIO = directIO
    }

    public var filePath: String { mountpoint + "/" + Self.fileName }

    /// Mounts the file system and starts serving. Returns once the mount exists. The mount runs
    /// on a BlockingWork thread: mount(2) (or fusermount3) can take long on a busy node.
    public func start() async throws {
        precondition(session == nil, "FuseExportFile started twice")
        var ops = fuse_lowlevel_ops()
        Self.install(&ops)
        // "-o default_permissions" keeps the kernel's permission checks; only root (or the
        // mounting user) may open the device file: allow_other is deliberately absent.
        let arguments = ["tandem-localdevice", "-o", "default_permissions,fsname=tandem,subtype=tandem"]
        var cStrings = arguments.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let created: OpaquePointer? = cStrings.withUnsafeMutableBufferPointer { argv in
            var args = fuse_args(argc: Int32(argv.count), argv: argv.baseAddress, allocated: 0)
            defer { fuse_opt_free_args(&args) }
            return fuse_session_new(&args, &ops, MemoryLayout<fuse_lowlevel_ops>.size,
                                    Unmanaged.passUnretained(self).toOpaque())
        }
        guard let created else { throw Failure(description: "libfuse could not create a session (is /dev/fuse usable?)") }
        let sessionBox = SessionBox(session: created)
        let mountpoint = self.mountpoint
        let mounted = try await BlockingWork.run { fuse_session_mount(sessionBox.session, mountpoint) == 0 }
        guard mounted else {
            fuse_session_destroy(created)
            throw Failure(description: "cannot mount FUSE at \(mountpoint) (it must be an existing, empty directory; needs root or fusermount3)")
        }
        session = created
        loopThread.start()
        let pool = loopThread
        let threads = Self.loopThreadsIdleMax
        loopFinished = Task {
            try await pool.runIfActive {
                // libfuse's multi-threaded loop: several threads read /dev/fuse, so decoding
                // requests and sending replies is not serialized on one thread (one reader
                // capped small reads near 7k IOPS). It starts threads as requests wait, up to
                // libfuse's maximum (10 in 3.14), and keeps `threads` of them when idle.
                var config = fuse_loop_config(clone_fd: 0, max_idle_threads: threads)
                return fuse_session_loop_mt_32(sessionBox.session, &config)
            }
        }
    }

    /// Unmounts and waits for the FUSE loop to end. The caller must have detached every user of
    /// the file (the loop device) first, or the unmount is lazy and they get I/O errors.
    public func stop() async {
        guard let session else { return }
        let sessionBox = SessionBox(session: session)
        // Unmounting makes the loop's read of /dev/fuse fail, which ends fuse_session_loop. The
        // unmount (umount2, or fusermount3 -u and the wait for it) runs on a BlockingWork thread.
        // If that fails (the pool shut down) nothing else would end the loop: unmount here.
        do {
            try await BlockingWork.run {
                fuse_session_exit(sessionBox.session)
                fuse_session_unmount(sessionBox.session)
            }
        } catch {
            fuse_session_unmount(session)
        }
        _ = try? await loopFinished?.value  // the loop's exit code carries no extra information
        fuse_session_destroy(session)
        self.session = nil
        try? await loopThread.shutdownGracefully()
    }

    // MARK: - Attributes

    fileprivate func attributes(of inode: fuse_ino_t) -> stat? {
        var attributes = stat()
        attributes.st_ino = __ino_t(inode)
        attributes.st_uid = getuid()
        attributes.st_gid = getgid()
        switch inode {
        case Self.rootInode:
            attributes.st_mode = S_IFDIR | 0o700
            attributes.st_nlink = 2
        case Self.fileInode:
            attributes.st_mode = S_IFREG | (export.features.contains(.readOnly) ? 0o400 : 0o600)
            attributes.st_nlink = 1
            attributes.st_size = off_t(export.size)
            attributes.st_blksize = 4096
            attributes.st_blocks = blkcnt_t((export.size + 511) / 512)
        default:
            return nil
        }
        return attributes
    }

    // MARK: - Callbacks

    fileprivate static func instance(_ request: fuse_req_t?) -> FuseExportFile {
        Unmanaged<FuseExportFile>.fromOpaque(fuse_req_userdata(request)!).takeUnretainedValue()
    }

    /// Worker threads libfuse keeps while idle (the loop adds more while requests wait).
    static let loopThreadsIdleMax: UInt32 = 4
    /// Largest READ/WRITE the kernel sends in one FUSE request (libfuse's buffer allows 1 MiB;
    /// the default is 128 KiB, which split every 1 MiB device request in eight round trips).
    static let requestBytesMax: UInt32 = 1 << 20
    /// Asynchronous (direct I/O) requests the kernel keeps in flight to us; its default of 12
    /// capped the loop device's queue depth below what fio or a file system asks for.
    static let backgroundRequestsMax: UInt32 = 128

    private static func install(_ ops: inout fuse_lowlevel_ops) {
        ops.`init` = { _, connection in
            guard let connection else { return }
            connection.pointee.max_write = FuseExportFile.requestBytesMax
            connection.pointee.max_background = FuseExportFile.backgroundRequestsMax
            connection.pointee.congestion_threshold = FuseExportFile.backgroundRequestsMax * 3 / 4
        }
        ops.lookup = { request, parent, name in
            let file = FuseExportFile.instance(request)
            guard parent == FuseExportFile.rootInode, let name, String(cString: name) == FuseExportFile.fileName,
                  let attributes = file.attributes(of: FuseExportFile.fileInode) else {
                fuse_reply_err(request, ENOENT)
                return
            }
            var entry = fuse_entry_param()
            entry.ino = FuseExportFile.fileInode
            entry.attr = attributes
            entry.attr_timeout = 3600
            entry.entry_timeout = 3600
            fuse_reply_entry(request, &entry)
        }
        ops.getattr = { request, inode, _ in
            guard var attributes = FuseExportFile.instance(request).attributes(of: inode) else {
                fuse_reply_err(request, ENOENT)
                return
            }
            fuse_reply_attr(request, &attributes, 3600)
        }
        ops.setattr = { request, inode, wanted, toSet, _ in
            let file = FuseExportFile.instance(request)
            guard var attributes = file.attributes(of: inode) else {
                fuse_reply_err(request, ENOENT)
                return
            }
            // A block device cannot change size or owner; timestamps are ignored.
            if toSet & FUSE_SET_ATTR_SIZE != 0, let wanted, wanted.pointee.st_size != attributes.st_size {
                fuse_reply_err(request, EPERM)
                return
            }
            fuse_reply_attr(request, &attributes, 3600)
        }
        ops.opendir = { request, inode, info in
            guard inode == FuseExportFile.rootInode else {
                fuse_reply_err(request, ENOTDIR)
                return
            }
            fuse_reply_open(request, info)
        }
        ops.readdir = { request, inode, size, offset, _ in
            FuseExportFile.instance(request).readDirectory(request, inode: inode, size: size, offset: offset)
        }
        ops.open = { request, inode, info in
            let file = FuseExportFile.instance(request)
            guard inode == FuseExportFile.fileInode, let info else {
                fuse_reply_err(request, EISDIR)
                return
            }
            let accessMode = info.pointee.flags & O_ACCMODE
            if accessMode != O_RDONLY && file.export.features.contains(.readOnly) {
                fuse_reply_err(request, EROFS)
                return
            }
            info.pointee.direct_io = file.directIO ? 1 : 0
            info.pointee.keep_cache = 0
            fuse_reply_open(request, info)
        }
        ops.read = { request, _, size, offset, _ in
            let file = FuseExportFile.instance(request)
            let pending = PendingRequest(request: request)
            let export = file.export
            Task {
                // Reads past the end are short, as for any file.
                let start = UInt64(max(offset, 0))
                let length = start >= export.size ? 0 : Int(min(UInt64(size), export.size - start))
                guard length > 0 else {
                    fuse_reply_buf(pending.request, nil, 0)
                    return
                }
                do {
                    let data = try await export.read(offset: start, length: length)
                    data.withUnsafeReadableBytes { bytes in
                        _ = fuse_reply_buf(pending.request, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count)
                    }
                } catch {
                    fuse_reply_err(pending.request, FuseExportFile.errno(for: error))
                }
            }
        }
        ops.write = { request, _, buffer, size, offset, info in
            let file = FuseExportFile.instance(request)
            // The kernel's buffer is valid only during this call: copy it before going async.
            let data = ByteBuffer(bytes: UnsafeRawBufferPointer(start: buffer, count: size))
            let pending = PendingRequest(request: request)
            let export = file.export
            let fua = ((info?.pointee.flags ?? 0) & (O_DSYNC | O_SYNC)) != 0
            Task {
                do {
                    guard offset >= 0, UInt64(offset) + UInt64(size) <= export.size else { throw ExportErrno(ENOSPC) }
                    try await export.write(offset: UInt64(offset), data: data, fua: fua)
                    fuse_reply_write(pending.request, size)
                } catch {
                    fuse_reply_err(pending.request, FuseExportFile.errno(for: error))
                }
            }
        }
        ops.fsync = { request, _, _, _ in
            FuseExportFile.instance(request).flushExport(request)
        }
        ops.flush = { request, _, _ in
            // close(2) of a descriptor: nothing to do, fsync carries durability.
            fuse_reply_err(request, 0)
        }
        ops.release = { request, _, _ in
            fuse_reply_err(request, 0)
        }
        ops.fallocate = { request, _, mode, offset, length, _ in
            FuseExportFile.instance(request).fallocate(request, mode: mode, offset: offset, length: length)
        }
    }

    private func readDirectory(_ request: fuse_req_t?, inode: fuse_ino_t, size: Int, offset: off_t) {
        guard inode == Self.rootInode else {
            fuse_reply_err(request, ENOTDIR)
            return
        }
        let entries: [(String, stat)] = [(".", attributes(of: Self.rootInode)!), ("..", attributes(of: Self.rootInode)!),
                                        (Self.fileName, attributes(of: Self.fileInode)!)]
        var buffer = [CChar](repeating: 0, count: size)
        var used = 0
        var index = Int(offset)
        while index < entries.count {
            var attributes = entries[index].1
            let needed = buffer.withUnsafeMutableBufferPointer { bytes in
                fuse_add_direntry(request, bytes.baseAddress! + used, size - used, entries[index].0, &attributes, off_t(index + 1))
            }
            if used + needed > size { break }
            used += needed
            index += 1
        }
        buffer.withUnsafeBufferPointer { _ = fuse_reply_buf(request, $0.baseAddress, used) }
    }

    private func flushExport(_ request: fuse_req_t?) {
        let pending = PendingRequest(request: request)
        let export = self.export
        Task {
            do {
                if export.features.contains(.flush) { try await export.flush() }
                fuse_reply_err(pending.request, 0)
            } catch {
                fuse_reply_err(pending.request, FuseExportFile.errno(for: error))
            }
        }
    }

    private func fallocate(_ request: fuse_req_t?, mode: Int32, offset: off_t, length: off_t) {
        let keepSize: Int32 = 0x01, punchHole: Int32 = 0x02, zeroRange: Int32 = 0x10
        let pending = PendingRequest(request: request)
        let export = self.export
        Task {
            do {
                guard offset >= 0, length > 0, UInt64(offset) + UInt64(length) <= export.size else { throw ExportErrno(EINVAL) }
                // The loop driver punches holes for DISCARD and WRITE_ZEROES and uses ZERO_RANGE
                // for WRITE_ZEROES with NOUNMAP; both must read back as zeroes afterwards.
                switch mode & ~keepSize {
                case punchHole where export.features.contains(.writeZeroes):
                    try await export.writeZeroes(offset: UInt64(offset), length: Int(length), fua: false, mayPunchHoles: true)
                case zeroRange where export.features.contains(.writeZeroes):
                    try await export.writeZeroes(offset: UInt64(offset), length: Int(length), fua: false, mayPunchHoles: false)
                case 0 where mode & keepSize == 0 || mode == keepSize:
                    break  // preallocation: a block device is always fully "allocated"
                default:
                    throw ExportErrno(EOPNOTSUPP)
                }
                fuse_reply_err(pending.request, 0)
            } catch {
                fuse_reply_err(pending.request, FuseExportFile.errno(for: error))
            }
        }
    }

    /// The errno a process sees for an export's error.
    static func errno(for error: any Error) -> Int32 {
        if let error = error as? ExportErrno { return error.value }
        if let error = error as? NBDExportError {
            switch error.code {
            case .permissionDenied: return EPERM
            case .noSpace: return ENOSPC
            case .invalid: return EINVAL
            case .outOfMemory: return ENOMEM
            case .notSupported: return EOPNOTSUPP
            case .shutdown: return ESHUTDOWN
            default: return EIO
            }
        }
        return EIO
    }
}

/// A FUSE request handle carried into a task; libfuse allows replying from any thread.
private struct PendingRequest: @unchecked Sendable {
    let request: fuse_req_t?
}

private struct SessionBox: @unchecked Sendable {
    let session: OpaquePointer
}

private struct ExportErrno: Error {
    let value: Int32
    init(_ value: Int32) { self.value = value }
}
