/// Resource role (DRBD `drbd_role`). `unknown` is shown only for a peer that is not connected.
/// Legal local transitions: secondary → primary (promote, explicit or auto), primary → secondary
/// (demote). One Primary at a time across the connected cluster.
public enum Role: String, Sendable, CaseIterable {
    case unknown = "Unknown"
    case primary = "Primary"
    case secondary = "Secondary"
}

/// Disk state of a replica's local backing store (DRBD `drbd_disk_state`, same names and order;
/// order matters: everything below `.outdated` is not usable data, see `isUsable`).
///
/// Transitions: diskless → attaching (attach) → {inconsistent, outdated, consistent, upToDate}
/// (from the metadata); consistent → {upToDate, outdated} once a peer is seen; inconsistent →
/// upToDate at the end of a resync as target; upToDate → outdated when a newer generation exists
/// elsewhere; any → failed on an I/O error → diskless; any → diskless on detach.
/// `dUnknown` is only ever a *peer's* disk state while that peer is not connected.
public enum DiskState: String, Sendable, CaseIterable, Comparable {
    case diskless = "Diskless"
    case attaching = "Attaching"
    case detaching = "Detaching"
    case failed = "Failed"
    case negotiating = "Negotiating"
    case inconsistent = "Inconsistent"
    case outdated = "Outdated"
    case dUnknown = "DUnknown"
    case consistent = "Consistent"
    case upToDate = "UpToDate"

    var order: Int { DiskState.allCases.firstIndex(of: self)! }
    public static func < (a: DiskState, b: DiskState) -> Bool { a.order < b.order }
    /// A disk whose data may be promoted or read by applications: only UpToDate (DRBD: "Only this
    /// disk state allows applications' IO").
    public var allowsApplicationIO: Bool { self == .upToDate }
    /// Holds a backing store at all (anything from inconsistent up, plus attaching/negotiating).
    public var hasDisk: Bool {
        switch self {
        case .diskless, .failed, .detaching, .dUnknown: return false
        default: return true
        }
    }
}

/// Connection state toward one peer (DRBD `drbd_conn_state`, the subset a user-space engine
/// shows). StandAlone → Connecting (connect) → Connected (handshake done) → Connecting (link lost,
/// retrying) ; any → Disconnecting → StandAlone (disconnect, split brain, unrelated data).
public enum ConnectionState: String, Sendable, CaseIterable {
    case standAlone = "StandAlone"
    case disconnecting = "Disconnecting"
    case connecting = "Connecting"
    case connected = "Connected"
}

/// Replication state of one peer device (DRBD `drbd_repl_state`, same names).
/// Off (not connected) → WFBitMapS/T (bitmap exchange) → SyncSource/SyncTarget or Established;
/// SyncSource/SyncTarget ⇄ PausedSyncS/T; Established ⇄ VerifyS/VerifyT (online verify);
/// anything → Off when the connection drops.
public enum ReplicationState: String, Sendable, CaseIterable {
    case off = "Off"
    case established = "Established"
    case wfBitMapS = "WFBitMapS"
    case wfBitMapT = "WFBitMapT"
    case syncSource = "SyncSource"
    case syncTarget = "SyncTarget"
    case pausedSyncS = "PausedSyncS"
    case pausedSyncT = "PausedSyncT"
    case verifyS = "VerifyS"
    case verifyT = "VerifyT"

    public var isResyncing: Bool {
        switch self {
        case .syncSource, .syncTarget, .pausedSyncS, .pausedSyncT: return true
        default: return false
        }
    }
}

/// Replication protocol of a connection (DRBD `protocol`): when is a write complete?
public enum ReplicationProtocol: String, Sendable, CaseIterable {
    /// Complete when durable locally and handed to the peer's send queue (asynchronous).
    case a = "A"
    /// Complete when durable locally and on every connected diskful peer (synchronous; default).
    case c = "C"
}

/// What a Primary without quorum does with application I/O (DRBD `on-no-quorum`).
public enum OnNoQuorum: String, Sendable, CaseIterable {
    /// Hold requests until quorum returns (they complete then, or fail on demotion/detach).
    case suspendIO = "suspend-io"
    /// Fail new and held requests with EIO at once.
    case ioError = "io-error"
}

/// Quorum policy (DRBD `quorum`): off, majority of voters, or all voters.
public enum QuorumPolicy: Sendable, Equatable {
    case off
    case majority
    case all
}
