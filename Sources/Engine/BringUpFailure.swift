import EngineAdmin
import EngineConfig

/// A resource that could not be brought up: why, and its resource file when that was read
/// (the error then came from its disk, metadata or port). It stays in `status` until `down`, or
/// until an `up`/`adjust` brings it up.
struct BringUpFailure: Sendable {
    let reason: String
    let config: ResourceConfig?

    /// The refusal of a command for resource `name`, which is down for this reason.
    func refusal(name: String) -> String { "\(name) is down: \(reason)" }

    /// What `status` and the event stream show for it: what DRBD shows for a resource whose
    /// `drbdadm up` failed, plus the reason. Nothing runs, so the role is Secondary (DRBD
    /// shows a local role only as Primary or Secondary; `Unknown` is a peer's role while
    /// disconnected, and said nothing here), every volume is Diskless (nothing is attached),
    /// and every peer is StandAlone (nothing tries to connect). A file that could not be read
    /// names no node id, volume or peer: only the role and the reason are shown.
    func report(name: String) -> ResourceReport {
        guard let config else {
            return ResourceReport(name: name, nodeId: -1, nodeName: "", role: "Secondary", mayPromote: false,
                                  volumes: [], connections: [], error: reason)
        }
        let volumes = config.volumes.map { v in
            // With quorum on, a resource that is not running has none; with it off, DRBD
            // shows quorum:yes.
            VolumeReport(volume: v.number, minor: v.minor, disk: "Diskless", client: v.backingPath == nil,
                         quorum: config.options.quorum == .off, open: false, sizeBytes: v.size.rawValue,
                         backingPath: v.backingPath, nbdExport: nil)
        }
        let connections = config.peers.map { p in
            ConnectionReport(peerNodeId: p.nodeId, peerName: p.nodeName, connection: "StandAlone", peerRole: "Unknown", peerVolumes: [])
        }
        return ResourceReport(name: name, nodeId: config.nodeId, nodeName: config.nodeName, role: "Secondary", mayPromote: false,
                              volumes: volumes, connections: connections, error: reason)
    }
}
