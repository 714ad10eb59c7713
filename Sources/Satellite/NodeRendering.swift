import EngineConfig
import SatelliteCore
import StorageProviders
import TandemModel

/// Turns the controller's desired state into what the planner compares: backing volume names
/// and the exact engine resource file text (the engine's canonical form).
struct NodeRendering {
    let nodeName: String
    /// The address this node's engine listens on for replication links.
    let replicationHost: String
    let providers: [String: any StorageProvider]

    /// Keys the controller sends for LINSTOR's own bookkeeping (DRBD metadata sizing, the
    /// controller-level auto-* policies, the DRBD shared secret) that have no meaning for
    /// Tandem's engine: dropped here so they do not block the resource. Every other key goes to
    /// the engine, which rejects an unknown one by name (so a typo like "quorom" is still shown).
    static let controllerOnlyOptionKeys: Set<String> = [
        "peer-slots", "shared-secret", "auto-quorum", "auto-add-quorum-tiebreaker",
        "auto-diskful", "auto-diskful-allow-cleanup", "AutoEvictAllowEviction",
    ]

    /// A diskful resource whose every volume lives in a thin pool (FILE_THIN, LVM_THIN, ZFS_THIN).
    static func allVolumesThin(_ resource: DesiredResource, _ providers: [String: any StorageProvider]) -> Bool {
        guard !resource.diskless, !resource.volumes.isEmpty else { return false }
        return resource.volumes.allSatisfy { volume in
            guard let pool = volume.storagePool, let kind = providers[pool]?.kind else { return false }
            return kind == .fileThin || kind == .lvmThin || kind == .zfsThin
        }
    }

    func planned(_ desired: NodeDesiredState) -> [PlannedResource] {
        desired.resources.map { original in
            var resource = original
            resource.options = original.options.filter { !Self.controllerOnlyOptionKeys.contains($0.key) }
            if resource.options["skip-initial-sync"] == nil, Self.allVolumesThin(resource, providers) {
                // Volumes this satellite creates in a thin pool read as zeros: the engine may skip
                // the initial full sync when every replica is such a fresh volume (it checks that
                // with its peers, and syncs normally otherwise; docs/resource-files.md).
                resource.options["skip-initial-sync"] = "yes"
            }
            return PlannedResource.from(resource) { r in
                do {
                    let config = try ResourceConfig(desired: r, nodeName: nodeName, listenHost: replicationHost) { volume in
                        guard let pool = volume.storagePool, let provider = providers[pool] else { return nil }
                        return provider.path(ofVolume: BackingVolumeKey.name(resource: r.name, volumeNumber: volume.volumeNumber))
                    }
                    return .success(ResourceFileWriter.canonicalText(config))
                } catch {
                    return .failure(RenderError("\(error)"))
                }
            }
        }
    }
}
