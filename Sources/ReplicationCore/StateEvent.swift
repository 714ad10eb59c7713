/// The resource as `drbdsetup events2` shows it (`resource` object).
public struct ResourceStatus: Sendable, Equatable {
    public var name: String
    public var role: Role
    /// I/O is held: "quorum" (no quorum, suspend-io) or "user"/"promotion"; nil when not.
    public var suspended: String?
    /// A write here would be allowed now (DRBD may_promote).
    public var mayPromote: Bool
}

/// The local volume (`device` object).
public struct DeviceStatus: Sendable, Equatable {
    public var volume: UInt16
    public var disk: DiskState
    public var client: Bool
    public var quorum: Bool
    public var sizeBytes: UInt64
    /// Why the disk is, or may be, behind its peers beyond what `disk` says; nil when nothing
    /// is known against it.
    public var reason: DiskReason? = nil
}

/// Why a local disk is held back, for the operator (`tandem adm status` prints it beside
/// `disk:`, `events` as `disk-reason:`). An Outdated or Inconsistent state alone does not say
/// whether the disk waits for a peer's newer data or for the record of its own failure; the
/// operator deciding whether to force it (`primary --force`, `invalidate`) needs to know which.
public enum DiskReason: String, Sendable, Equatable {
    /// The failure record (`MetadataFlags.diskFailed`): the disk failed while a Primary wrote
    /// with UpToDate data elsewhere, so it may lack writes of the generation it failed at. It
    /// yields to a consistent peer at that generation (Outdated, Inconsistent while resynced)
    /// until a resync into it ends or it moves to another generation.
    case failedDisk = "failed-disk"
    /// Outdated when this Secondary lost quorum (`MetadataFlags.outdatedWithoutQuorum`; DRBD
    /// shows the same disk as `disk:Outdated quorum:no`): the partition with quorum may write
    /// without it. Back to UpToDate with quorum once its peers vouch that none holds newer data.
    case lostQuorum = "lost-quorum"
    /// Outdated when this Secondary left the Primary, or the Primary left it, gracefully
    /// (`disconnect`, `down`, `adjust`): it misses the Primary's next writes (DRBD outdates a
    /// Secondary on a graceful disconnect from the Primary).
    case leftPrimary = "left-primary"
    /// Outdated when a peer showed newer data: its handshake or its new generation (one that named
    /// this node absent), or a diskless Primary exposing another generation. A resync from a
    /// replica holding that data makes it UpToDate again.
    case peerHasNewerData = "peer-has-newer-data"
    /// Not a held-back disk but a node without one: its disk, detached or failed, held a newer
    /// generation than every connected UpToDate peer is at
    /// (`upToDatePeerBehindDisklessGeneration`). It is not promoted on their older data.
    case peersBehind = "peers-behind"

    /// The sentence `tandem adm status` prints under the volume.
    public var explanation: String {
        switch self {
        case .failedDisk:
            "this disk failed while a Primary wrote with UpToDate data elsewhere: it may lack writes its peers hold, and yields to a consistent peer at its generation until a resync into it ends"
        case .lostQuorum:
            "this node lost quorum as a Secondary: the partition with quorum may have written without it; it is UpToDate again once back with quorum and its peers show none holds newer data, or after a resync"
        case .leftPrimary:
            "this node left the Primary, or was left by it, gracefully: it misses the Primary's writes since; a resync from a current peer makes it UpToDate again"
        case .peerHasNewerData:
            "a peer holds newer data than this disk: it is UpToDate again after a resync from a replica holding that data"
        case .peersBehind:
            "this node has no disk, and its disk held a newer generation than its connected UpToDate peers are at: promoted, it would serve their data without that generation's acknowledged writes, so it is not promoted until its disk is attached again or a replica at that generation connects"
        }
    }
}

/// One peer connection (`connection` object).
public struct ConnectionStatus: Sendable, Equatable {
    public var peer: NodeID
    public var peerName: String
    public var connection: ConnectionState
    public var peerRole: Role
    /// Why the connection is not up when this node decided it, for the operator: a refusal that
    /// needs them (split brain, unrelated data), or a connect deferred while a second Primary
    /// would join this node's cluster or the two ends use different replication protocols.
    /// nil while connected.
    public var message: String?
}

/// One peer device (`peer-device` object), with resync progress.
public struct PeerDeviceStatus: Sendable, Equatable {
    public var peer: NodeID
    public var peerName: String
    public var volume: UInt16
    public var replication: ReplicationState
    public var peerDisk: DiskState
    public var peerClient: Bool
    /// Bytes marked out of sync toward this peer.
    public var outOfSyncBytes: UInt64
    /// Resync/verify progress in hundredths of a percent (3750 = 37.50 %), nil when idle.
    public var doneHundredths: UInt32?
    /// Current resync rate, bytes per second (over the last second of ticks).
    public var resyncBytesPerSecond: UInt64
    /// Estimated seconds to the end of the resync, nil when idle or unknown.
    public var etaSeconds: UInt64?
    /// Blocks found different by the last online verify.
    public var verifyOutOfSyncBlocks: UInt64

    /// "37.50" as drbdsetup prints `done:`.
    public var doneText: String? {
        guard let d = doneHundredths else { return nil }
        let frac = d % 100
        return "\(d / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}

/// A state change for the event stream (`events2`); `change` lines carry the whole object.
public enum StateEvent: Sendable, Equatable {
    case resource(ResourceStatus)
    case device(DeviceStatus)
    case connection(ConnectionStatus)
    case peerDevice(PeerDeviceStatus)
    /// A message for the operator's log: split brain, unrelated data, verify results, I/O errors.
    case log(LogLevel, String)
}

public enum LogLevel: String, Sendable {
    case info, warning, error
}

/// Everything `drbdadm status` prints, at one moment.
public struct ReplicaStatus: Sendable, Equatable {
    public var resource: ResourceStatus
    public var device: DeviceStatus
    public var connections: [ConnectionStatus]
    public var peerDevices: [PeerDeviceStatus]
}
