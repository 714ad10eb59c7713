import Foundation
import TandemModel

/// ZFS and ZFS_THIN: each volume is a zvol `<dataset>/<name>`; ZFS_THIN creates it sparse (no
/// reservation). The engine opens `/dev/zvol/<dataset>/<name>`.
public struct ZFSProvider: StorageProvider {
    public let dataset: String
    public let thin: Bool
    public let runner: CommandRunner
    /// zvol sizes must be a multiple of the block size; 8 KiB is the default volblocksize… and
    /// rounding up to it costs at most 8 KiB.
    static let volumeSizeGranule: UInt64 = 8 * 1024

    public init(dataset: String, thin: Bool, runner: CommandRunner) {
        self.dataset = dataset; self.thin = thin; self.runner = runner
    }

    public var kind: StorageProviderKind { thin ? .zfsThin : .zfs }
    public func path(ofVolume name: String) -> String { "/dev/zvol/\(dataset)/\(name)" }

    public func checkPool() throws(StorageError) {
        guard !dataset.isEmpty else {
            throw StorageError(.poolUnavailable, "\(kind.rawValue) storage pool needs a zpool or dataset name as its driver pool")
        }
        guard runner.locate("zfs") != nil else {
            throw StorageError(.unsupported, "\(kind.rawValue) needs ZFS, which is not installed on this machine (no 'zfs' command); use a FILE or FILE_THIN storage pool here")
        }
        guard FileManager.default.fileExists(atPath: "/dev/zfs") else {
            throw StorageError(.unsupported, "\(kind.rawValue) needs the zfs kernel module, which is not loaded (/dev/zfs is missing)")
        }
        _ = try datasetCapacity()
    }

    public func capacity() throws(StorageError) -> PoolCapacity? {
        try checkPool()
        return try datasetCapacity()
    }

    private func datasetCapacity() throws(StorageError) -> PoolCapacity {
        let out = try zfs(["get", "-Hp", "-o", "value", "used,available", dataset], what: "dataset \(dataset) is not usable")
        let values = ToolTable.rows(out).compactMap { $0.first.flatMap(ToolTable.bytes) }
        guard values.count == 2 else {
            throw StorageError(.failed, "cannot read the size of \(dataset) from zfs output '\(out)'")
        }
        return PoolCapacity(total: ByteCount(values[0] + values[1]), free: ByteCount(values[1]))
    }

    public func volume(named name: String) throws(StorageError) -> BackingVolumeInfo? {
        let out = try zfs(["list", "-Hp", "-t", "volume", "-r", "-o", "name,volsize,used", dataset], what: "cannot list the volumes of \(dataset)")
        for row in ToolTable.rows(out) where row.first == "\(dataset)/\(name)" && row.count >= 3 {
            guard let size = ToolTable.bytes(row[1]), let used = ToolTable.bytes(row[2]) else { continue }
            return BackingVolumeInfo(name: name, path: path(ofVolume: name), size: ByteCount(size), allocated: ByteCount(used))
        }
        return nil
    }

    public func createVolume(named name: String, size: ByteCount) throws(StorageError) -> BackingVolumeInfo {
        try checkPool()
        if try volume(named: name) != nil {
            throw StorageError(.nameClash, "zvol \(dataset)/\(name) already exists and was not created by Tandem; remove or rename it")
        }
        var args = ["create"]
        if thin { args.append("-s") }
        args += ["-V", String(Self.rounded(size)), "\(dataset)/\(name)"]
        try zfs(args, what: "cannot create zvol \(dataset)/\(name)")
        guard let info = try volume(named: name) else {
            throw StorageError(.failed, "zvol \(dataset)/\(name) is missing right after zfs create")
        }
        return info
    }

    public func growVolume(named name: String, to size: ByteCount) throws(StorageError) {
        guard let current = try volume(named: name) else {
            throw StorageError(.failed, "cannot grow zvol \(dataset)/\(name): it does not exist")
        }
        guard size >= current.size else {
            throw StorageError(.invalidRequest, "cannot shrink zvol \(dataset)/\(name) from \(current.size) to \(size)")
        }
        guard size > current.size else { return }
        try zfs(["set", "volsize=\(Self.rounded(size))", "\(dataset)/\(name)"], what: "cannot grow zvol \(dataset)/\(name) to \(size)")
    }

    public func deleteVolume(named name: String) throws(StorageError) {
        guard try volume(named: name) != nil else { return }
        try zfs(["destroy", "\(dataset)/\(name)"], what: "cannot delete zvol \(dataset)/\(name)")
    }

    static func rounded(_ size: ByteCount) -> UInt64 {
        (size.rawValue + volumeSizeGranule - 1) / volumeSizeGranule * volumeSizeGranule
    }

    @discardableResult
    private func zfs(_ args: [String], what: String) throws(StorageError) -> String {
        do {
            return try runner.run("zfs", args).stdout
        } catch {
            if case .notInstalled = error.ending {
                throw StorageError(.unsupported, "\(kind.rawValue) needs ZFS, which is not installed here (no 'zfs' command)", command: error)
            }
            throw StorageError(.failed, what, command: error)
        }
    }
}
