import TandemModel

/// Total and free space of a pool, as `storage-pool list` shows them.
public struct PoolCapacity: Sendable, Equatable {
    public var total: ByteCount
    public var free: ByteCount
    public init(total: ByteCount, free: ByteCount) { self.total = total; self.free = free }
}

/// A backing volume as it exists in a pool.
public struct BackingVolumeInfo: Sendable, Equatable {
    public var name: String
    /// The path the engine opens (a file, /dev/vg/lv, /dev/zvol/pool/vol).
    public var path: String
    /// Usable size.
    public var size: ByteCount
    /// Space it really takes in the pool (less than `size` for thin volumes).
    public var allocated: ByteCount
    public init(name: String, path: String, size: ByteCount, allocated: ByteCount) {
        self.name = name; self.path = path; self.size = size; self.allocated = allocated
    }
}

/// One storage pool on this node. Implementations are synchronous and may run external
/// commands; the satellite calls them off its event loop. Every method is safe to repeat.
public protocol StorageProvider: Sendable {
    var kind: StorageProviderKind { get }
    /// Fails with a message naming the cause when the pool cannot be used on this machine.
    func checkPool() throws(StorageError)
    /// nil for a pool that holds no data (DISKLESS).
    func capacity() throws(StorageError) -> PoolCapacity?
    /// The path a volume of this name has (or will have); pure.
    func path(ofVolume name: String) -> String
    /// The volume, or nil when none of that name exists.
    func volume(named name: String) throws(StorageError) -> BackingVolumeInfo?
    /// Creates a volume of at least `size`; fails with `.nameClash` when the name is taken.
    func createVolume(named name: String, size: ByteCount) throws(StorageError) -> BackingVolumeInfo
    /// Grows a volume to at least `size`; shrinking is refused.
    func growVolume(named name: String, to size: ByteCount) throws(StorageError)
    /// Deletes the volume; a volume that does not exist is not an error.
    func deleteVolume(named name: String) throws(StorageError)
    /// Those of the named volumes that exist. Providers whose tools list a whole pool at once
    /// (lvs, zfs list) answer with one command, so reporting many volumes stays cheap.
    func volumes(named names: [String]) throws(StorageError) -> [String: BackingVolumeInfo]
}

extension StorageProvider {
    public func volumes(named names: [String]) throws(StorageError) -> [String: BackingVolumeInfo] {
        var found: [String: BackingVolumeInfo] = [:]
        for name in names {
            if let info = try volume(named: name) { found[name] = info }
        }
        return found
    }
}

public enum StorageProviders {
    /// The provider for one pool of the desired state.
    public static func make(_ pool: DesiredStoragePool, runner: CommandRunner = CommandRunner()) -> any StorageProvider {
        switch pool.provider {
        case .diskless: DisklessProvider()
        case .file: FileProvider(directory: pool.driverPool, thin: false)
        case .fileThin: FileProvider(directory: pool.driverPool, thin: true)
        case .lvm: LVMProvider(volumeGroup: pool.driverPool, runner: runner)
        case .lvmThin: LVMThinProvider(thinPool: pool.driverPool, runner: runner)
        case .zfs: ZFSProvider(dataset: pool.driverPool, thin: false, runner: runner)
        case .zfsThin: ZFSProvider(dataset: pool.driverPool, thin: true, runner: runner)
        }
    }

}

/// A pool without storage: diskless (client) resources use it.
public struct DisklessProvider: StorageProvider {
    public init() {}
    public var kind: StorageProviderKind { .diskless }
    public func checkPool() throws(StorageError) {}
    public func capacity() throws(StorageError) -> PoolCapacity? { nil }
    public func path(ofVolume name: String) -> String { "" }
    public func volume(named name: String) throws(StorageError) -> BackingVolumeInfo? { nil }
    public func createVolume(named name: String, size: ByteCount) throws(StorageError) -> BackingVolumeInfo {
        throw StorageError(.invalidRequest, "a DISKLESS storage pool holds no data; volume '\(name)' needs a pool with storage")
    }
    public func growVolume(named name: String, to size: ByteCount) throws(StorageError) {
        throw StorageError(.invalidRequest, "a DISKLESS storage pool holds no data; volume '\(name)' cannot grow in it")
    }
    public func deleteVolume(named name: String) throws(StorageError) {}
}
