import DescriptorIO
import Glibc

/// A failed file operation with the path and the system's reason.
public struct FileOperationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Int32
    public init(path: String, operation: String, errno: Int32) {
        self.path = path; self.operation = operation; self.errno = errno
    }
    public var description: String { "\(path): \(operation) failed: \(String(cString: strerror(errno)))" }
}

/// Small-file helpers with a durability discipline: a reader sees either the old or the new
/// content, never a torn mix, and once `write` returns the new content survives a crash.
public enum AtomicFile {
    /// Writes `bytes` to `path` via `path.tmp`: write all, fsync the file, rename over `path`,
    /// fsync the folder (so the rename itself is durable).
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(FileOperationError) {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FileOperationError(path: temporary, operation: "open", errno: errno) }
        var failure: FileOperationError?
        do { try DescriptorWriter.writeAll(bytes, to: fd) } catch {
            failure = FileOperationError(path: temporary, operation: "write", errno: error.errno)
        }
        if failure == nil, fsync(fd) != 0 { failure = FileOperationError(path: temporary, operation: "fsync", errno: errno) }
        close(fd)
        if let failure { unlink(temporary); throw failure }
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw FileOperationError(path: path, operation: "rename", errno: e)
        }
        try syncDirectory(of: path)
    }

    public static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws(FileOperationError) {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// Reads a whole file of at most `bytesMax` bytes; larger files are an error, not truncated.
    public static func read(_ path: String, bytesMax: Int) throws(FileOperationError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileOperationError(path: path, operation: "open", errno: errno) }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileOperationError(path: path, operation: "read", errno: errno)
            }
            if n == 0 { return result }
            result.append(contentsOf: chunk[0..<n])
            if result.count > bytesMax { throw FileOperationError(path: path, operation: "read (larger than \(bytesMax) bytes)", errno: EFBIG) }
        }
    }

    public static func syncDirectory(of path: String) throws(FileOperationError) {
        let folder = parentDirectory(path)
        let dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard dfd >= 0 else { throw FileOperationError(path: folder, operation: "open folder", errno: errno) }
        defer { close(dfd) }
        guard fsync(dfd) == 0 else { throw FileOperationError(path: folder, operation: "fsync folder", errno: errno) }
    }

    /// Creates `path` and its parents (like `mkdir -p`).
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(FileOperationError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw FileOperationError(path: current, operation: "mkdir", errno: errno)
            }
        }
    }

    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public static func remove(_ path: String) throws(FileOperationError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw FileOperationError(path: path, operation: "unlink", errno: errno) }
    }

    /// Names in a folder (without "." and ".."), sorted so callers act in a stable order.
    public static func listDirectory(_ path: String) throws(FileOperationError) -> [String] {
        guard let dir = opendir(path) else { throw FileOperationError(path: path, operation: "opendir", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
