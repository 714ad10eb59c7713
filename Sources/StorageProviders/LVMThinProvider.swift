import TandemModel

/// LVM_THIN: thin volumes in the thin pool given as `vg/thinpool`; space is taken on write.
public struct LVMThinProvider: StorageProvider {
    public let thinPool: String
    public let runner: CommandRunner

    public init(thinPool: String, runner: CommandRunner) {
        self.thinPool = thinPool; self.runner = runner
    }

    public var kind: StorageProviderKind { .lvmThin }

    var volumeGroup: String { String(thinPool.split(separator: "/").first ?? "") }
    var poolName: String { thinPool.split(separator: "/").dropFirst().first.map(String.init) ?? "" }

    public func path(ofVolume name: String) -> String { "/dev/\(volumeGroup)/\(name)" }

    public func checkPool() throws(StorageError) {
        guard thinPool.split(separator: "/").count == 2 else {
            throw StorageError(.poolUnavailable, "LVM_THIN storage pool needs 'volumegroup/thinpool' as its driver pool, not '\(thinPool)'")
        }
        // A thin pool cannot even be created or read without device-mapper (its metadata lives
        // in the kernel), unlike a plain volume group.
        try DeviceMapper.requireKernelSupport(for: "LVM_THIN")
        _ = try poolCapacity()
    }

    public func capacity() throws(StorageError) -> PoolCapacity? {
        try checkPool()
        return try poolCapacity()
    }

    private func poolCapacity() throws(StorageError) -> PoolCapacity {
        let out = try LVMVolumes.lvm(runner, "lvs", LVMVolumes.reportFlags + ["-o", "lv_attr,lv_size,data_percent", thinPool],
                                     what: "thin pool \(thinPool) is not usable")
        return try Self.parseCapacity(out, thinPool: thinPool)
    }

    /// `lvs … -o lv_attr,lv_size,data_percent VG/POOL`: "  twi-a-tz--;104857600;12.50". The
    /// first attribute letter 't' marks a thin pool; free is the share not yet written.
    static func parseCapacity(_ out: String, thinPool: String) throws(StorageError) -> PoolCapacity {
        guard let row = ToolTable.rows(out, separator: ";").first, row.count >= 2, let size = ToolTable.bytes(row[1]) else {
            throw StorageError(.failed, "cannot read the size of thin pool \(thinPool) from lvs output '\(out)'")
        }
        guard row[0].hasPrefix("t") else {
            throw StorageError(.poolUnavailable, "\(thinPool) is a logical volume but not a thin pool (attributes \(row[0])); create one with lvcreate --type thin-pool")
        }
        let used = UInt64(Double(size) * (ToolTable.percent(row.count >= 3 ? row[2] : nil) ?? 0) / 100)
        return PoolCapacity(total: ByteCount(size), free: ByteCount(size - min(size, used)))
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
        try LVMVolumes.lvm(runner, "lvcreate", ["--yes", "-V", "\(size.rawValue)b", "-T", thinPool, "-n", name],
                           what: "cannot create thin volume \(volumeGroup)/\(name) in \(thinPool)")
        guard let info = try volume(named: name) else {
            throw StorageError(.failed, "thin volume \(volumeGroup)/\(name) is missing right after lvcreate")
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
