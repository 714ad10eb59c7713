import EngineAdmin
import SatelliteCore
import TandemModel

/// Translates the engine's report and the storage snapshot into the contract's actual state.
enum ActualStateBuilder {
    static func resource(name: String, desired: DesiredResource?, report: ResourceReport?, engineError: String?,
                         volumes backing: [BackingVolumeKey: (sizeKiB: UInt64, allocatedKiB: UInt64)], errors: [String]) -> ActualResource {
        var errors = errors
        if let e = report?.error { errors.append(e) }
        if report == nil, let engineError, desired != nil { errors.append(engineError) }
        let volumeNumbers = Set((desired?.volumes.map(\.volumeNumber) ?? []) + (report?.volumes.map(\.volume) ?? [])).sorted()
        let volumes = volumeNumbers.map { number -> ActualVolume in
            let dv = desired?.volumes.first { $0.volumeNumber == number }
            let rv = report?.volumes.first { $0.volume == number }
            let key = (desired?.diskless ?? false) ? nil : dv?.storagePool.map { BackingVolumeKey(pool: $0, name: BackingVolumeKey.name(resource: name, volumeNumber: number)) }
            let allocated = key.flatMap { backing[$0]?.allocatedKiB }
            let disk = rv?.disk ?? ((desired?.diskless ?? false) ? "Diskless" : "DUnknown")
            let peers = report.map { r in
                r.connections.sorted { $0.peerName < $1.peerName }.compactMap { c -> ActualPeerVolume? in
                    guard let pv = c.peerVolumes.first(where: { $0.volume == number }) else { return nil }
                    return ActualPeerVolume(peerNodeName: c.peerName, replicationState: pv.replication, peerDiskState: pv.peerDisk,
                                            donePercent: pv.donePercent)
                }
            }
            return ActualVolume(volumeNumber: number, diskState: disk, allocatedKiB: allocated,
                                devicePath: rv?.devicePaths?.first, nbdExport: rv?.nbdExport,
                                peers: peers, sizeKiB: rv.map { $0.sizeBytes / 1024 })
        }
        let connections = (report?.connections ?? []).sorted { $0.peerName < $1.peerName }.map { c -> ActualConnection in
            // One line per peer: the volume that is furthest from Established tells the story.
            let pv = c.peerVolumes.first { $0.replication != "Established" } ?? c.peerVolumes.first
            return ActualConnection(peerNodeName: c.peerName, connectionState: c.connection,
                                    replicationState: pv?.replication ?? "Off", peerDiskState: pv?.peerDisk ?? "DUnknown",
                                    syncPercent: pv?.donePercent)
        }
        return ActualResource(name: name, role: report?.role ?? "Unknown", inUse: report?.volumes.contains { $0.open } ?? false,
                              volumes: volumes, connections: connections, errors: errors)
    }
}
