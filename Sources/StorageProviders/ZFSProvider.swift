import Foundation
import TandemModel

/// ZFS and ZFS_THIN: each volume is a zvol `<dataset>/<name>`; ZFS_THIN creates it sparse (no
/// reservation). The engine opens `/dev/zvol/<dataset>/<name>`.
public struct ZFSProvider: StorageProvider {
    public let dataset: String
    public let thin: Bool
    public let runner: CommandRunner
    /// `zfs set volsize` wants a multiple of the zvol's volblocksize (16 KiB by default since
    /// OpenZFS 2.2, 8 KiB before, up to 1 MiB without large blocks); whole MiB fit them all and
    /// cost at most 1 MiB, as LVM's 4 MiB extents do.
    static let volumeSizeGranule: UInt64 = 1024 * 1024

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
        let out = try zfs(["list", "-Hp", "-o", "used,available", dataset], what: "dataset \(dataset) is not usable")
        guard let capacity = Self.parseCapacity(out) else {
            throw StorageError(.failed, "cannot read the size of \(dataset) from zfs output '\(out)'")
        }
        return capacity
    }

    /// `zfs list -Hp -o used,available DATASET`: "1073741824\t9663676416" (exact bytes, a tab
    /// between). What the dataset and its children use plus what is still available is the pool.
    static func parseCapacity(_ out: String) -> PoolCapacity? {
        guard let row = ToolTable.rows(out, separator: "\t").first, row.count >= 2,
              let used = ToolTable.bytes(row[0]), let available = ToolTable.bytes(row[1]) else { return nil }
        return PoolCapacity(total: ByteCount(used + available), free: ByteCount(available))
    }

    public func volume(named name: String) throws(StorageError) -> BackingVolumeInfo? {
        try volumes(named: [name])[name]
    }

    public func volumes(named names: [String]) throws(StorageError) -> [String: BackingVolumeInfo] {
        let out = try zfs(["list", "-Hp", "-t", "volume", "-r", "-o", "name,volsize,used", dataset], what: "cannot list the volumes of \(dataset)")
        return parseVolumes(out).filter { names.contains($0.key) }
    }

    /// `zfs list -Hp -t volume -r -o name,volsize,used DATASET`: "tank/r1_00000\t67108864\t4194304"
    /// per zvol, any depth below DATASET; only direct children are ours. `used` is what the zvol
    /// takes in the pool: its whole size when thick (the refreservation), what was written when thin.
    func parseVolumes(_ out: String) -> [String: BackingVolumeInfo] {
        var found: [String: BackingVolumeInfo] = [:]
        let prefix = dataset + "/"
        for row in ToolTable.rows(out, separator: "\t") where row.count >= 3 && row[0].hasPrefix(prefix) {
            let name = String(row[0].dropFirst(prefix.count))
            guard !name.isEmpty, !name.contains("/"), let size = ToolTable.bytes(row[1]), let used = ToolTable.bytes(row[2]) else { continue }
            found[name] = BackingVolumeInfo(name: name, path: path(ofVolume: name), size: ByteCount(size), allocated: ByteCount(used))
        }
        return found
    }

    public func createVolume(named name: String, size: ByteCount) throws(StorageError) -> BackingVolumeInfo {
        try checkPool()
        if try volume(named: name) != nil {
            throw StorageError(.nameClash, "zvol \(dataset)/\(name) already exists and was not created by Tandem; remove or rename it")
        }
        if !thin {
            let free = try datasetCapacity().free
            guard free.rawValue >= Self.rounded(size) else {
                throw StorageError(.poolFull, "\(dataset) has \(free) available, not enough for zvol \(dataset)/\(name) (\(size)); ZFS_THIN would take space only as it is written")
            }
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
