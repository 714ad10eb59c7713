import EngineConfig
import EngineFiles
import SatelliteCore
import StorageProviders
import TandemModel

/// What the storage side of the node looks like right now (pools, backing volumes, engine
/// resource files). Gathered on the storage queue: every call here may block.
struct StorageSnapshot: Sendable {
    var pools: [ActualStoragePool] = []
    var poolProblems: [String: String] = [:]
    /// Existing backing volumes: size and allocated space in KiB.
    var volumes: [BackingVolumeKey: (sizeKiB: UInt64, allocatedKiB: UInt64)] = [:]
    var resourceFiles: [String: String] = [:]
    /// Failures reading the node that are not a pool's fault (unreadable resource folder).
    var problems: [String] = []
}

enum NodeObserver {
    static let resourceFileBytesMax = 1 << 20

    /// Looks at every pool, the given backing volumes (the desired ones and the ledger's) and
    /// every resource file. Never throws: what cannot be read is reported in the snapshot.
    static func snapshot(pools: [(DesiredStoragePool, any StorageProvider)], volumes: [BackingVolumeKey],
                         providers: [String: any StorageProvider], layout: EngineStateLayout, readFiles: Bool) -> StorageSnapshot {
        var snap = StorageSnapshot()
        for (pool, provider) in pools {
            do {
                let capacity = try provider.capacity()
                snap.pools.append(ActualStoragePool(name: pool.name, totalCapacityKiB: capacity.map { $0.total.rawValue / 1024 },
                                                    freeCapacityKiB: capacity.map { $0.free.rawValue / 1024 }))
            } catch {
                snap.poolProblems[pool.name] = error.description
                snap.pools.append(ActualStoragePool(name: pool.name, totalCapacityKiB: nil, freeCapacityKiB: nil, error: error.description))
            }
        }
        // One listing per pool (lvs and zfs list report a whole pool at once).
        let byPool = Dictionary(grouping: volumes, by: \.pool)
        for (pool, keys) in byPool.sorted(by: { $0.key < $1.key }) {
            guard let provider = providers[pool] else {
                // The pool left the desired state while a volume of ours is still in it: assume
                // the volume is there so deleting it is attempted and fails with a clear error.
                for key in keys { snap.volumes[key] = (0, 0) }
                continue
            }
            guard snap.poolProblems[pool] == nil else { continue }
            do {
                let found = try provider.volumes(named: keys.map(\.name))
                for key in keys {
                    if let info = found[key.name] {
                        snap.volumes[key] = (info.size.rawValue / 1024, info.allocated.rawValue / 1024)
                    }
                }
            } catch {
                snap.poolProblems[pool] = error.description
            }
        }
        guard readFiles else { return snap }
        do {
            if AtomicFile.exists(layout.resourcesDirectory) {
                for name in try AtomicFile.listDirectory(layout.resourcesDirectory) where name.hasSuffix(EngineStateLayout.resourceFileExtension) {
                    let resource = String(name.dropLast(EngineStateLayout.resourceFileExtension.count))
                    let bytes = try AtomicFile.read(layout.resourcesDirectory + "/" + name, bytesMax: resourceFileBytesMax)
                    snap.resourceFiles[resource] = String(decoding: bytes, as: UTF8.self)
                }
            }
        } catch {
            snap.problems.append("cannot read the engine's resource files: \(error)")
        }
        return snap
    }
}
