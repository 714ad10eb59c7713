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

    func planned(_ desired: NodeDesiredState) -> [PlannedResource] {
        desired.resources.map { resource in
            PlannedResource.from(resource) { r in
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
