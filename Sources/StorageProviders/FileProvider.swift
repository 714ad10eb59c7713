#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TandemModel

/// FILE and FILE_THIN: each volume is a file `<name>.img` in the pool's directory. FILE reserves
/// every block up front (posix_fallocate), so a full filesystem is found at creation and never
/// in the middle of a replicated write; FILE_THIN only sets the length (a sparse file).
public struct FileProvider: StorageProvider {
    public let directory: String
    public let thin: Bool

    public init(directory: String, thin: Bool) {
        self.directory = directory; self.thin = thin
    }

    public var kind: StorageProviderKind { thin ? .fileThin : .file }

    public func path(ofVolume name: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + name + ".img"
    }

    public func checkPool() throws(StorageError) {
        guard directory.hasPrefix("/") else {
            throw StorageError(.poolUnavailable, "\(kind.rawValue) storage pool directory '\(directory)' must be an absolute path")
        }
        var st = stat()
        guard stat(directory, &st) == 0 else {
            throw StorageError(.poolUnavailable, "\(kind.rawValue) storage pool directory \(directory) cannot be used: \(Self.errnoText())")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw StorageError(.poolUnavailable, "\(kind.rawValue) storage pool path \(directory) is not a directory")
        }
        guard access(directory, W_OK) == 0 else {
            throw StorageError(.poolUnavailable, "\(kind.rawValue) storage pool directory \(directory) is not writable: \(Self.errnoText())")
        }
    }

    public func capacity() throws(StorageError) -> PoolCapacity? {
        try checkPool()
        var fs = statvfs()
        guard statvfs(directory, &fs) == 0 else {
            throw StorageError(.failed, "statvfs \(directory) failed: \(Self.errnoText())")
        }
        let unit = UInt64(fs.f_frsize)
        return PoolCapacity(total: ByteCount(UInt64(fs.f_blocks) * unit), free: ByteCount(UInt64(fs.f_bavail) * unit))
    }

    public func volume(named name: String) throws(StorageError) -> BackingVolumeInfo? {
        let p = path(ofVolume: name)
        var st = stat()
        guard stat(p, &st) == 0 else {
            if errno == ENOENT { return nil }
            throw StorageError(.failed, "cannot inspect \(p): \(Self.errnoText())")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            throw StorageError(.nameClash, "\(p) exists and is not a regular file")
        }
        return BackingVolumeInfo(name: name, path: p, size: ByteCount(UInt64(st.st_size)), allocated: ByteCount(UInt64(st.st_blocks) * 512))
    }

    public func createVolume(named name: String, size: ByteCount) throws(StorageError) -> BackingVolumeInfo {
        try checkPool()
        let p = path(ofVolume: name)
        // Asked first so a size beyond the file system (which fallocate refuses as "File too
        // large" before it could say ENOSPC) is reported as what it is.
        if !thin, let free = try capacity()?.free, free < size {
            throw StorageError(.poolFull, "storage pool directory \(directory) has not enough free space for \(size) (\(free) free; \(p))")
        }
        // O_EXCL: a file that is already there is somebody's data; never adopt or truncate it.
        let fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST {
                throw StorageError(.nameClash, "cannot create volume \(p): a file of that name already exists and was not created by Tandem; remove or rename it")
            }
            throw StorageError(.failed, "cannot create volume \(p): \(Self.errnoText())")
        }
        do throws(StorageError) {
            try setLength(fd: fd, path: p, size: size)
            guard fsync(fd) == 0 else { throw StorageError(.failed, "fsync \(p) failed: \(Self.errnoText())") }
        } catch {
            close(fd)
            unlink(p)
            throw error
        }
        close(fd)
        syncDirectory()
        guard let info = try volume(named: name) else {
            throw StorageError(.failed, "volume \(p) vanished right after it was created")
        }
        return info
    }

    public func growVolume(named name: String, to size: ByteCount) throws(StorageError) {
        let p = path(ofVolume: name)
        guard let current = try volume(named: name) else {
            throw StorageError(.failed, "cannot grow \(p): it does not exist")
        }
        guard size >= current.size else {
            throw StorageError(.invalidRequest, "cannot shrink \(p) from \(current.size) to \(size); shrinking a replicated volume would cut off data")
        }
        guard size > current.size else { return }
        let fd = open(p, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StorageError(.failed, "cannot open \(p) to grow it: \(Self.errnoText())") }
        defer { close(fd) }
        try setLength(fd: fd, path: p, size: size)
        guard fsync(fd) == 0 else { throw StorageError(.failed, "fsync \(p) failed: \(Self.errnoText())") }
    }

    public func deleteVolume(named name: String) throws(StorageError) {
        let p = path(ofVolume: name)
        guard unlink(p) == 0 || errno == ENOENT else {
            throw StorageError(.failed, "cannot delete volume \(p): \(Self.errnoText())")
        }
        syncDirectory()
    }

    private func setLength(fd: Int32, path p: String, size: ByteCount) throws(StorageError) {
        guard size.rawValue <= UInt64(Int64.max) else { throw StorageError(.invalidRequest, "size \(size) is too large") }
        if thin {
            guard ftruncate(fd, off_t(size.rawValue)) == 0 else {
                throw StorageError(.failed, "cannot set the length of \(p) to \(size): \(Self.errnoText())")
            }
        } else {
            let rc = posix_fallocate(fd, 0, off_t(size.rawValue))
            guard rc == 0 else {
                if rc == ENOSPC {
                    throw StorageError(.poolFull, "storage pool directory \(directory) has not enough free space for \(size) (\(p))")
                }
                throw StorageError(.failed, "cannot reserve \(size) for \(p): \(String(cString: strerror(rc)))")
            }
        }
    }

    /// Makes the creation or removal of a file durable, not only its contents.
    private func syncDirectory() {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
