// The contract between the controller and a satellite (ARCHITECTURE.md, "Controller ↔ satellite").
// The controller sends a node its whole desired state on every (re)connect and again, with a
// higher generation, after every change; the satellite reconciles and streams back what is
// really there. These are plain values: ClusterWire frames them, the controller and satellite
// produce and consume them. Sizes are in KiB as everywhere in LINSTOR's model.

/// Storage provider kinds, spelled as LINSTOR's REST API spells them.
public enum StorageProviderKind: String, Codable, Sendable, CaseIterable {
    case diskless = "DISKLESS"
    case file = "FILE"
    case fileThin = "FILE_THIN"
    case lvm = "LVM"
    case lvmThin = "LVM_THIN"
    case zfs = "ZFS"
    case zfsThin = "ZFS_THIN"
}

/// Everything one node should have, as decided by the controller.
public struct NodeDesiredState: Codable, Sendable, Equatable {
    /// Bumped by the controller on every change that concerns this node; the satellite reports
    /// the generation it has applied so the controller knows when a change has landed.
    public var generation: UInt64
    public var nodeName: String
    public var storagePools: [DesiredStoragePool]
    public var resources: [DesiredResource]

    public init(generation: UInt64, nodeName: String, storagePools: [DesiredStoragePool], resources: [DesiredResource]) {
        self.generation = generation; self.nodeName = nodeName
        self.storagePools = storagePools; self.resources = resources
    }
}

public struct DesiredStoragePool: Codable, Sendable, Equatable {
    public var name: String
    public var provider: StorageProviderKind
    /// Where the provider carves volumes: a directory for FILE/FILE_THIN, a volume group
    /// (or "vg/thinpool") for LVM/LVM_THIN, a zpool (or dataset) for ZFS; empty for DISKLESS.
    public var driverPool: String
    public init(name: String, provider: StorageProviderKind, driverPool: String) {
        self.name = name; self.provider = provider; self.driverPool = driverPool
    }
}

/// One resource as it should exist on this node, with everything the engine needs to
/// replicate it to its peers.
public struct DesiredResource: Codable, Sendable, Equatable {
    public var name: String
    /// This node's id within the resource (0 ..< 32, unique per resource).
    public var nodeId: Int
    /// TCP port this node listens on for the resource's replication links (7000+, unique per node,
    /// as in LINSTOR since 1.31.2; peers of one resource may use different ports).
    public var port: Int
    /// True when this node holds no data for the resource (DRBD "diskless"/client).
    public var diskless: Bool
    public var volumes: [DesiredVolume]
    public var peers: [DesiredPeer]
    /// Engine options as key/value pairs, e.g. "protocol" = "C", "quorum" = "majority",
    /// "on-no-quorum" = "suspend-io". Unknown keys are the engine's to reject.
    public var options: [String: String]

    public init(name: String, nodeId: Int, port: Int, diskless: Bool, volumes: [DesiredVolume], peers: [DesiredPeer], options: [String: String] = [:]) {
        self.name = name; self.nodeId = nodeId; self.port = port; self.diskless = diskless
        self.volumes = volumes; self.peers = peers; self.options = options
    }
}

public struct DesiredVolume: Codable, Sendable, Equatable {
    public var volumeNumber: Int
    public var sizeKiB: UInt64
    /// Device minor number, unique in the cluster (1000+).
    public var minor: Int
    /// Storage pool on this node that backs the volume; nil for a diskless resource.
    public var storagePool: String?
    public init(volumeNumber: Int, sizeKiB: UInt64, minor: Int, storagePool: String?) {
        self.volumeNumber = volumeNumber; self.sizeKiB = sizeKiB; self.minor = minor; self.storagePool = storagePool
    }
}

public struct DesiredPeer: Codable, Sendable, Equatable {
    public var nodeName: String
    public var nodeId: Int
    /// Address the peer's engine listens on for this resource's replication links.
    public var address: String
    public var port: Int
    public var diskless: Bool
    public init(nodeName: String, nodeId: Int, address: String, port: Int, diskless: Bool) {
        self.nodeName = nodeName; self.nodeId = nodeId; self.address = address; self.port = port; self.diskless = diskless
    }
}

/// What a satellite reports about its node: what really exists and in which state.
public struct NodeActualState: Codable, Sendable, Equatable {
    /// The desired-state generation the satellite has finished applying (successfully or not).
    public var appliedGeneration: UInt64
    public var storagePools: [ActualStoragePool]
    public var resources: [ActualResource]
    public init(appliedGeneration: UInt64, storagePools: [ActualStoragePool], resources: [ActualResource]) {
        self.appliedGeneration = appliedGeneration; self.storagePools = storagePools; self.resources = resources
    }
}

public struct ActualStoragePool: Codable, Sendable, Equatable {
    public var name: String
    public var totalCapacityKiB: UInt64?
    public var freeCapacityKiB: UInt64?
    /// Set when the pool cannot be used, with the command and its error as the user should see it.
    public var error: String?
    public init(name: String, totalCapacityKiB: UInt64?, freeCapacityKiB: UInt64?, error: String? = nil) {
        self.name = name; self.totalCapacityKiB = totalCapacityKiB; self.freeCapacityKiB = freeCapacityKiB; self.error = error
    }
}

public struct ActualResource: Codable, Sendable, Equatable {
    public var name: String
    /// "Primary", "Secondary" or "Unknown" (DRBD's role names).
    public var role: String
    /// True while a consumer has the volume open (an NBD client or an attached local device).
    public var inUse: Bool
    public var volumes: [ActualVolume]
    public var connections: [ActualConnection]
    /// Errors from realizing this resource (a failed command with its stderr), newest last.
    public var errors: [String]
    public init(name: String, role: String, inUse: Bool, volumes: [ActualVolume], connections: [ActualConnection], errors: [String] = []) {
        self.name = name; self.role = role; self.inUse = inUse; self.volumes = volumes; self.connections = connections; self.errors = errors
    }
}

public struct ActualVolume: Codable, Sendable, Equatable {
    public var volumeNumber: Int
    /// DRBD disk state name: "UpToDate", "Inconsistent", "Outdated", "Diskless", "Failed", …
    public var diskState: String
    public var allocatedKiB: UInt64?
    /// Local block device path when one is attached (e.g. "/dev/loop3"), else nil.
    public var devicePath: String?
    /// NBD export of the volume, e.g. "nbd+unix:///backups/0?socket=/run/tandem/nbd.sock".
    public var nbdExport: String?
    /// This volume toward each peer (DRBD's peer-device): replication state and resync progress.
    /// nil from satellites older than this field; then only the per-connection summary exists.
    public var peers: [ActualPeerVolume]?
    /// Size the engine serves the volume with, in KiB (nil when not known, e.g. the engine is down).
    public var sizeKiB: UInt64?
    public init(volumeNumber: Int, diskState: String, allocatedKiB: UInt64? = nil, devicePath: String? = nil, nbdExport: String? = nil,
                peers: [ActualPeerVolume]? = nil, sizeKiB: UInt64? = nil) {
        self.volumeNumber = volumeNumber; self.diskState = diskState; self.allocatedKiB = allocatedKiB
        self.devicePath = devicePath; self.nbdExport = nbdExport; self.peers = peers; self.sizeKiB = sizeKiB
    }

    /// The disk state as LINSTOR shows it in `resource list` / `volume list`: the DRBD disk state,
    /// except while this replica is being brought in sync, when it is "SyncTarget(45.20%)" (the
    /// SyncSource side stays "UpToDate"). LINSTOR's satellite reports the same string.
    public var displayDiskState: String {
        guard let target = peers?.first(where: { Self.targetStates.contains($0.replicationState) }) else { return diskState }
        guard let done = target.donePercent else { return target.replicationState }
        return "\(target.replicationState)(\(Self.percentText(done)))"
    }

    /// Replication states in which this replica receives a resync.
    static let targetStates: Set<String> = ["SyncTarget", "PausedSyncT"]

    /// Two decimals, as LINSTOR prints sync progress ("45.20%"); clamped to 0...100.
    public static func percentText(_ value: Double) -> String {
        let hundredths = Int((min(max(value, 0), 100) * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)%"
    }
}

/// One volume toward one peer (DRBD's peer-device).
public struct ActualPeerVolume: Codable, Sendable, Equatable {
    public var peerNodeName: String
    /// "Established", "SyncSource", "SyncTarget", "PausedSyncS", "PausedSyncT", "VerifyS", "Off", …
    public var replicationState: String
    public var peerDiskState: String
    /// Resync or verify progress 0...100 while one runs, else nil.
    public var donePercent: Double?
    public init(peerNodeName: String, replicationState: String, peerDiskState: String, donePercent: Double? = nil) {
        self.peerNodeName = peerNodeName; self.replicationState = replicationState
        self.peerDiskState = peerDiskState; self.donePercent = donePercent
    }
}

public struct ActualConnection: Codable, Sendable, Equatable {
    public var peerNodeName: String
    /// DRBD connection state: "Connected", "Connecting", "StandAlone", "Disconnecting".
    public var connectionState: String
    /// DRBD replication state toward this peer: "Established", "SyncSource", "SyncTarget", "Off", …
    public var replicationState: String
    /// The peer's disk state as seen from here.
    public var peerDiskState: String
    /// Resync progress in percent (0...100) while syncing, else nil.
    public var syncPercent: Double?
    public init(peerNodeName: String, connectionState: String, replicationState: String, peerDiskState: String, syncPercent: Double? = nil) {
        self.peerNodeName = peerNodeName; self.connectionState = connectionState
        self.replicationState = replicationState; self.peerDiskState = peerDiskState; self.syncPercent = syncPercent
    }
}
