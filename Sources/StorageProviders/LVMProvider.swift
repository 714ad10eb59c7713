import TandemModel

/// LVM: each volume is a logical volume `<name>` in the volume group given as the pool's
/// driver pool; the engine opens `/dev/<vg>/<name>`.
public struct LVMProvider: StorageProvider {
    public let volumeGroup: String
    public let runner: CommandRunner

    public init(volumeGroup: String, runner: CommandRunner) {
        self.volumeGroup = volumeGroup; self.runner = runner
    }

    public var kind: StorageProviderKind { .lvm }
    public func path(ofVolume name: String) -> String { "/dev/\(volumeGroup)/\(name)" }

    public func checkPool() throws(StorageError) {
        guard !volumeGroup.isEmpty, !volumeGroup.contains("/") else {
            throw StorageError(.poolUnavailable, "LVM storage pool needs a volume group name as its driver pool, not '\(volumeGroup)' (for a thin pool use LVM_THIN with vg/thinpool)")
        }
        try DeviceMapper.requireKernelSupport(for: "LVM")
        _ = try vgCapacity()
    }

    public func capacity() throws(StorageError) -> PoolCapacity? {
        try checkPool()
        return try vgCapacity()
    }

    private func vgCapacity() throws(StorageError) -> PoolCapacity {
        let out = try lvm("vgs", ["--noheadings", "--units", "b", "--nosuffix", "-o", "vg_size,vg_free", volumeGroup],
                          what: "volume group \(volumeGroup) is not usable")
        guard let row = ToolTable.rows(out).first, row.count >= 2,
              let total = ToolTable.bytes(row[0]), let free = ToolTable.bytes(row[1]) else {
            throw StorageError(.failed, "cannot read the size of volume group \(volumeGroup) from vgs output '\(out)'")
        }
        return PoolCapacity(total: ByteCount(total), free: ByteCount(free))
    }

    public func volume(named name: String) throws(StorageError) -> BackingVolumeInfo? {
        try LVMVolumes.find(name, in: volumeGroup, runner: runner, path: path(ofVolume: name))
    }

    public func createVolume(named name: String, size: ByteCount) throws(StorageError) -> BackingVolumeInfo {
        try checkPool()
        if try volume(named: name) != nil {
            throw StorageError(.nameClash, "logical volume \(volumeGroup)/\(name) already exists and was not created by Tandem; remove or rename it")
        }
        try lvm("lvcreate", ["--yes", "--wipesignatures", "n", "-L", "\(size.rawValue)b", "-n", name, volumeGroup],
                what: "cannot create logical volume \(volumeGroup)/\(name)")
        guard let info = try volume(named: name) else {
            throw StorageError(.failed, "logical volume \(volumeGroup)/\(name) is missing right after lvcreate")
        }
        return info
    }

    public func growVolume(named name: String, to size: ByteCount) throws(StorageError) {
        try LVMVolumes.grow(name, in: volumeGroup, to: size, runner: runner, path: path(ofVolume: name))
    }

    public func deleteVolume(named name: String) throws(StorageError) {
        try LVMVolumes.delete(name, in: volumeGroup, runner: runner)
    }

    @discardableResult
    private func lvm(_ tool: String, _ args: [String], what: String) throws(StorageError) -> String {
        try LVMVolumes.lvm(runner, tool, args, what: what)
    }
}

/// What LVM and LVM_THIN do the same way.
enum LVMVolumes {
    @discardableResult
    static func lvm(_ runner: CommandRunner, _ tool: String, _ args: [String], what: String) throws(StorageError) -> String {
        do {
            return try runner.run(tool, args).stdout
        } catch {
            if case .notInstalled = error.ending {
                throw StorageError(.unsupported, "LVM storage needs lvm2, which is not installed here (no '\(tool)' command)", command: error)
            }
            throw StorageError(.failed, what, command: error)
        }
    }

    static func find(_ name: String, in vg: String, runner: CommandRunner, path: String) throws(StorageError) -> BackingVolumeInfo? {
        // Listing the whole group avoids telling "not found" from other failures by stderr text.
        let out = try lvm(runner, "lvs", ["--noheadings", "--units", "b", "--nosuffix", "-o", "lv_name,lv_size,data_percent", vg],
                          what: "cannot list the logical volumes of \(vg)")
        for row in ToolTable.rows(out) where row.first == name {
            guard row.count >= 2, let size = ToolTable.bytes(row[1]) else { continue }
            let thinUse = row.count >= 3 ? ToolTable.percent(row[2]) : 100
            let allocated = row.count >= 3 ? UInt64(Double(size) * thinUse / 100) : size
            return BackingVolumeInfo(name: name, path: path, size: ByteCount(size), allocated: ByteCount(allocated))
        }
        return nil
    }

    static func grow(_ name: String, in vg: String, to size: ByteCount, runner: CommandRunner, path: String) throws(StorageError) {
        guard let current = try find(name, in: vg, runner: runner, path: path) else {
            throw StorageError(.failed, "cannot grow \(vg)/\(name): it does not exist")
        }
        guard size >= current.size else {
            throw StorageError(.invalidRequest, "cannot shrink \(vg)/\(name) from \(current.size) to \(size)")
        }
        guard size > current.size else { return }
        try lvm(runner, "lvextend", ["-L", "\(size.rawValue)b", "\(vg)/\(name)"], what: "cannot grow logical volume \(vg)/\(name) to \(size)")
    }

    static func delete(_ name: String, in vg: String, runner: CommandRunner) throws(StorageError) {
        guard try find(name, in: vg, runner: runner, path: "") != nil else { return }
        try lvm(runner, "lvremove", ["-f", "\(vg)/\(name)"], what: "cannot delete logical volume \(vg)/\(name)")
    }
}
