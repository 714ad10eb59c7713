/// What the engine reports about its resources over the admin socket: the structured form of
/// `drbdadm status` / `drbdsetup events2`. State names are DRBD's spellings ("Primary",
/// "UpToDate", "Connected", "SyncSource", …) so the satellite can forward them unchanged to the
/// controller (`ActualResource`, `ActualVolume`, `ActualConnection` in TandemModel).
public struct ResourceReport: Codable, Sendable, Equatable {
    public var name: String
    public var nodeId: Int
    public var nodeName: String
    /// "Primary", "Secondary".
    public var role: String
    /// Why I/O is held ("quorum", "user", …), nil when it is not.
    public var suspended: String?
    /// A writer here would be allowed now (DRBD may_promote).
    public var mayPromote: Bool
    public var volumes: [VolumeReport]
    public var connections: [ConnectionReport]
    /// The resource could not be brought up or was stopped by an error (bad file, corrupt
    /// metadata, unreadable backing disk): the message names the file and the fix.
    public var error: String?

    public init(name: String, nodeId: Int, nodeName: String, role: String, suspended: String? = nil,
                mayPromote: Bool, volumes: [VolumeReport], connections: [ConnectionReport], error: String? = nil) {
        self.name = name; self.nodeId = nodeId; self.nodeName = nodeName; self.role = role
        self.suspended = suspended; self.mayPromote = mayPromote; self.volumes = volumes
        self.connections = connections; self.error = error
    }
}

/// The local side of one volume (DRBD's `device`).
public struct VolumeReport: Codable, Sendable, Equatable {
    public var volume: Int
    public var minor: Int
    /// "UpToDate", "Inconsistent", "Outdated", "Diskless", "Failed", "DUnknown", …
    public var disk: String
    /// Intentionally diskless (DRBD `client:yes`).
    public var client: Bool
    public var quorum: Bool
    /// Open by an NBD client.
    public var open: Bool
    public var sizeBytes: UInt64
    public var backingPath: String?
    /// e.g. "nbd+unix:///backups/0?socket=/run/tandem/nbd.sock".
    public var nbdExport: String?
    public var readBytes: UInt64
    public var writtenBytes: UInt64
    /// Local block devices attached to this volume's export on this node (e.g. "/dev/loop3"),
    /// as registered by `tandem adm attach`; nil or empty when none is.
    public var devicePaths: [String]?
    /// Why the disk is, or may be, behind its peers beyond what `disk` says (ReplicationCore's
    /// `DiskReason`: "failed-disk"), nil when nothing is known against it; `diskReasonMessage`
    /// says it in a sentence. Optional, so reports from an engine without them still decode.
    public var diskReason: String?
    public var diskReasonMessage: String?

    public init(volume: Int, minor: Int, disk: String, client: Bool, quorum: Bool, open: Bool, sizeBytes: UInt64,
                backingPath: String?, nbdExport: String?, readBytes: UInt64 = 0, writtenBytes: UInt64 = 0, devicePaths: [String]? = nil,
                diskReason: String? = nil, diskReasonMessage: String? = nil) {
        self.volume = volume; self.minor = minor; self.disk = disk; self.client = client; self.quorum = quorum
        self.open = open; self.sizeBytes = sizeBytes; self.backingPath = backingPath; self.nbdExport = nbdExport
        self.readBytes = readBytes; self.writtenBytes = writtenBytes; self.devicePaths = devicePaths
        self.diskReason = diskReason; self.diskReasonMessage = diskReasonMessage
    }
}

/// One peer connection of the resource.
public struct ConnectionReport: Codable, Sendable, Equatable {
    public var peerNodeId: Int
    public var peerName: String
    /// "Connected", "Connecting", "StandAlone", "Disconnecting".
    public var connection: String
    /// "Primary", "Secondary", "Unknown" (when not connected).
    public var peerRole: String
    /// Set when the connection went StandAlone for a reason the operator must act on
    /// (split brain, unrelated data, another protocol version).
    public var message: String?
    public var peerVolumes: [PeerVolumeReport]

    public init(peerNodeId: Int, peerName: String, connection: String, peerRole: String, message: String? = nil,
                peerVolumes: [PeerVolumeReport]) {
        self.peerNodeId = peerNodeId; self.peerName = peerName; self.connection = connection
        self.peerRole = peerRole; self.message = message; self.peerVolumes = peerVolumes
    }
}

/// One (peer, volume) pair (DRBD's `peer-device`), with resync progress and traffic.
public struct PeerVolumeReport: Codable, Sendable, Equatable {
    public var volume: Int
    /// "Off", "Established", "SyncSource", "SyncTarget", "PausedSyncS", "VerifyS", …
    public var replication: String
    public var peerDisk: String
    public var peerClient: Bool
    public var outOfSyncBytes: UInt64
    /// Resync / verify progress 0…100 while one runs.
    public var donePercent: Double?
    public var resyncBytesPerSecond: UInt64
    public var etaSeconds: UInt64?
    /// Resync payload bytes sent to / received from this peer since the engine started.
    public var resyncSentBytes: UInt64
    public var resyncReceivedBytes: UInt64
    /// All replication payload bytes (writes and resync) sent to / received from this peer.
    public var sentBytes: UInt64
    public var receivedBytes: UInt64
    /// Blocks found different by the last online verify.
    public var verifyMismatchBlocks: UInt64

    public init(volume: Int, replication: String, peerDisk: String, peerClient: Bool, outOfSyncBytes: UInt64 = 0,
                donePercent: Double? = nil, resyncBytesPerSecond: UInt64 = 0, etaSeconds: UInt64? = nil,
                resyncSentBytes: UInt64 = 0, resyncReceivedBytes: UInt64 = 0, sentBytes: UInt64 = 0,
                receivedBytes: UInt64 = 0, verifyMismatchBlocks: UInt64 = 0) {
        self.volume = volume; self.replication = replication; self.peerDisk = peerDisk; self.peerClient = peerClient
        self.outOfSyncBytes = outOfSyncBytes; self.donePercent = donePercent
        self.resyncBytesPerSecond = resyncBytesPerSecond; self.etaSeconds = etaSeconds
        self.resyncSentBytes = resyncSentBytes; self.resyncReceivedBytes = resyncReceivedBytes
        self.sentBytes = sentBytes; self.receivedBytes = receivedBytes; self.verifyMismatchBlocks = verifyMismatchBlocks
    }
}
