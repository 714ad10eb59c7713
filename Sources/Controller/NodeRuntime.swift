import ControllerCore
import TandemModel

/// What the controller knows live about one node's satellite. Not persisted: it is rebuilt from
/// the satellite's reports after every controller start.
public struct NodeRuntime: Sendable {
    public enum Link: Sendable, Equatable {
        /// No session (Controller-type nodes have no satellite).
        case none
        case connecting
        case online(satelliteVersion: String)
        case offline(reason: String)
        case versionMismatch(satelliteVersion: String, reason: String)
    }

    public var link: Link = .connecting
    /// The generation of the node's latest desired state, and the last one it reported applied.
    public var desiredGeneration: UInt64
    public var appliedGeneration: UInt64 = 0
    /// The satellite's last report, indexed for the views (keys: `Naming.key`).
    public var actualPools: [String: ActualStoragePool] = [:]
    public var actualResources: [String: ActualResource] = [:]
    /// When the last report arrived (ms since the epoch), for staleness display.
    public var lastReportMillis: Int64?

    public init(desiredGeneration: UInt64) { self.desiredGeneration = desiredGeneration }

    public var isOnline: Bool { if case .online = link { true } else { false } }

    /// LINSTOR's `connection_status` (only values the linstor CLI knows).
    public var connectionStatus: String {
        switch link {
        case .none: "UNKNOWN"
        case .connecting, .offline: "OFFLINE"
        case .online: "ONLINE"
        case .versionMismatch: "VERSION_MISMATCH"
        }
    }

    /// Placement's view: online, and the capacity of every pool the satellite has reported.
    public var liveView: NodeLiveView {
        var caps: [String: (freeKiB: UInt64?, totalKiB: UInt64?)] = [:]
        for (k, p) in actualPools where p.error == nil { caps[k] = (p.freeCapacityKiB, p.totalCapacityKiB) }
        return NodeLiveView(online: isOnline, poolCapacity: caps)
    }

    mutating func absorb(_ actual: NodeActualState, nowMillis: Int64) {
        appliedGeneration = max(appliedGeneration, actual.appliedGeneration)
        var pools: [String: ActualStoragePool] = [:]
        for p in actual.storagePools { pools[Naming.key(p.name)] = p }
        var resources: [String: ActualResource] = [:]
        for r in actual.resources { resources[Naming.key(r.name)] = r }
        actualPools = pools
        actualResources = resources
        lastReportMillis = nowMillis
    }
}
