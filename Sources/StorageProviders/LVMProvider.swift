import TandemModel

/// LVM: each volume is a logical volume `<name>` in the volume group given as the pool's
/// driver pool; the engine opens `/dev/<vg>/<name>`.
public struct LVMProvider: StorageProvider {
    public let volumeGroup: String
    public let runner: CommandRunner
    /// False only in tests that run lvm2 with activation switched off (metadata only) on a
    /// machine without device-mapper.
    var requiresDeviceMapper = true

    public init(volumeGroup: String, runner: CommandRunner) {
        self.volumeGroup = volumeGroup; self.runner = runner
    }

    public var kind: StorageProviderKind { .lvm }
    public func path(ofVolume name: String) -> String { "/dev/\(volumeGroup)/\(name)" }

    public func checkPool() throws(StorageError) {
        guard !volumeGroup.isEmpty, !volumeGroup.contains("/") else {
            throw StorageError(.poolUnavailable, "LVM storage pool needs a volume group name as its driver pool, not '\(volumeGroup)' (for a thin pool use LVM_THIN with vg/thinpool)")
        }
        if requiresDeviceMapper { try DeviceMapper.requireKernelSupport(for: "LVM") }
        _ = try vgCapacity()
    }

    public func capacity() throws(StorageError) -> PoolCapacity? {
        try checkPool()
        return try vgCapacity()
    }

    private func vgCapacity() throws(StorageError) -> PoolCapacity {
        let out = try LVMVolumes.lvm(runner, "vgs", LVMVolumes.reportFlags + ["-o", "vg_size,vg_free", volumeGroup],
                                     what: "volume group \(volumeGroup) is not usable")
        guard let capacity = Self.parseCapacity(out) else {
            throw StorageError(.failed, "cannot read the size of volume group \(volumeGroup) from vgs output '\(out)'")
        }
        return capacity
    }

    /// `vgs … -o vg_size,vg_free VG`: "  264241152;255852544".
    static func parseCapacity(_ out: String) -> PoolCapacity? {
        guard let row = ToolTable.rows(out, separator: ";").first, row.count >= 2,
              let total = ToolTable.bytes(row[0]), let free = ToolTable.bytes(row[1]) else { return nil }
        return PoolCapacity(total: ByteCount(total), free: ByteCount(free))
    }

    public func volume(named name: String) throws(StorageError) -> BackingVolumeInfo? {
        try volumes(named: [name])[name]
    }

    public func volumes(named names: [String]) throws(StorageError) -> [String: BackingVolumeInfo] {
        try LVMVolumes.list(in: volumeGroup, runner: runner).filter { names.contains($0.key) }
    }

    public func createVolume(named name: String, size: ByteCount) throws(StorageError) -> BackingVolumeInfo {
        try checkPool()
        if try volume(named: name) != nil {
            throw StorageError(.nameClash, "logical volume \(volumeGroup)/\(name) already exists and was not created by Tandem; remove or rename it")
        }
        let free = try vgCapacity().free
        guard free >= size else {
            throw StorageError(.poolFull, "volume group \(volumeGroup) has \(free) free, not enough for \(volumeGroup)/\(name) (\(size))")
        }
        // --wipesignatures n: a new volume holds no signatures worth keeping, and wiping needs
        // an answer to a prompt on some versions. Size in bytes ("b"): lvm2 rounds up to whole
        // extents, which "at least size" allows.
        var args = ["--yes", "--wipesignatures", "n", "-L", "\(size.rawValue)b", "-n", name, volumeGroup]
        if !requiresDeviceMapper { args = ["--activate", "n", "--zero", "n"] + args }
        try LVMVolumes.lvm(runner, "lvcreate", args, what: "cannot create logical volume \(volumeGroup)/\(name)")
        guard let info = try volume(named: name) else {
            throw StorageError(.failed, "logical volume \(volumeGroup)/\(name) is missing right after lvcreate")
        }
        return info
    }

    public func growVolume(named name: String, to size: ByteCount) throws(StorageError) {
        try LVMVolumes.grow(name, in: volumeGroup, to: size, runner: runner)
    }

    public func deleteVolume(named name: String) throws(StorageError) {
        try LVMVolumes.delete(name, in: volumeGroup, runner: runner)
    }
}

/// What LVM and LVM_THIN do the same way.
enum LVMVolumes {
    /// Exact byte counts, no unit letters, no heading, ';' between fields (empty fields stay).
    static let reportFlags = ["--noheadings", "--units", "b", "--nosuffix", "--separator", ToolTable.lvmSeparator]

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

    /// Every logical volume of the group, in one `lvs` (which also avoids telling "not found"
    /// from other failures by stderr text).
    static func list(in vg: String, runner: CommandRunner) throws(StorageError) -> [String: BackingVolumeInfo] {
        let out = try lvm(runner, "lvs", reportFlags + ["-o", "lv_name,lv_size,data_percent", vg],
                          what: "cannot list the logical volumes of \(vg)")
        return parseVolumes(out, volumeGroup: vg)
    }

    /// `lvs … -o lv_name,lv_size,data_percent VG`: "  data;104857600;" for a plain volume (all
    /// of it allocated), "  thin1;1073741824;12.50" for a thin one (that share allocated).
    static func parseVolumes(_ out: String, volumeGroup vg: String) -> [String: BackingVolumeInfo] {
        var found: [String: BackingVolumeInfo] = [:]
        for row in ToolTable.rows(out, separator: ";") where row.count >= 2 && !row[0].isEmpty {
            guard let size = ToolTable.bytes(row[1]) else { continue }
            let allocated = ToolTable.percent(row.count >= 3 ? row[2] : nil).map { UInt64(Double(size) * $0 / 100) } ?? size
            found[row[0]] = BackingVolumeInfo(name: row[0], path: "/dev/\(vg)/\(row[0])", size: ByteCount(size), allocated: ByteCount(allocated))
        }
        return found
    }

    static func grow(_ name: String, in vg: String, to size: ByteCount, runner: CommandRunner) throws(StorageError) {
        guard let current = try list(in: vg, runner: runner)[name] else {
            throw StorageError(.failed, "cannot grow \(vg)/\(name): it does not exist")
        }
        guard size >= current.size else {
            throw StorageError(.invalidRequest, "cannot shrink \(vg)/\(name) from \(current.size) to \(size)")
        }
        guard size > current.size else { return }
        try lvm(runner, "lvextend", ["-L", "\(size.rawValue)b", "\(vg)/\(name)"], what: "cannot grow logical volume \(vg)/\(name) to \(size)")
    }

    static func delete(_ name: String, in vg: String, runner: CommandRunner) throws(StorageError) {
        guard try list(in: vg, runner: runner)[name] != nil else { return }
        try lvm(runner, "lvremove", ["-f", "\(vg)/\(name)"], what: "cannot delete logical volume \(vg)/\(name)")
    }
}
