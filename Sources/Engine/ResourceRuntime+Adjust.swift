import EngineConfig
import ReplicationCore

/// `tandem adm adjust` without a restart (DRBD's `drbdadm adjust`): peers added or removed and
/// options changed are applied to the running core instances, so volumes stay attached, in
/// their role, and NBD clients keep their connections and in-flight requests.
extension ResourceRuntime {
    /// Why `new` cannot be applied in place (the caller restarts the resource), or nil.
    func inPlaceRefusal(_ new: ResourceConfig) -> String? {
        if new.name != config.name { return "the resource name changed" }
        if new.nodeId != config.nodeId || new.nodeName != config.nodeName { return "this node's name or id changed" }
        if new.address != config.address { return "the listen address changed" }
        if new.volumes != config.volumes { return "the volumes changed" }
        if new.options.alExtents != config.options.alExtents { return "al-extents changed" }
        for peer in new.peers {
            if let old = config.peer(nodeId: peer.nodeId), old.diskless != peer.diskless {
                return "peer \(peer.nodeName) changed between diskless and diskful"
            }
        }
        return nil
    }

    /// Applies `new` in place; returns why it could not (nothing was changed then), or nil.
    func reconfigure(_ new: ResourceConfig) -> String? {
        guard !stopped, instancesStarted else { return "the resource is not running" }
        if let why = inPlaceRefusal(new) { return why }
        var replicaConfigs: [UInt16: ReplicaConfig] = [:]
        for volume in new.volumes {
            do { replicaConfigs[UInt16(volume.number)] = try makeReplicaConfig(volume, of: new) } catch { return "\(error)" }
        }
        let removedPeers = config.peers.filter { old in new.peer(nodeId: old.nodeId) == nil }
        config = new
        for peer in removedPeers { peerMessages[UInt8(peer.nodeId)] = nil }
        for v in volumes.keys.sorted() {
            guard let replicaConfig = replicaConfigs[v] else { continue }
            do {
                let output = try volumes[v]!.instance.reconfigure(replicaConfig)
                execute(v, output)
            } catch {
                // The checks above mirror the core's; reaching this is a bug, not an input error.
                logger.error("\(config.name) volume \(v): \(error); the volume keeps its previous peers and options until restarted")
            }
        }
        logger.info("\(config.name): adjusted in place (\(new.peers.count) peer(s))")
        onChange()
        return nil
    }
}
