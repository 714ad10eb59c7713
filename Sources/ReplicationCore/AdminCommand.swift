/// Commands from `tandem adm` (drbdadm analogues).
public enum AdminCommand: Sendable, Equatable {
    /// Promote. `force` promotes an Inconsistent/Outdated disk and makes it the source of truth
    /// (DRBD `primary --force`, used for the initial sync).
    case primary(force: Bool)
    case secondary
    /// Start connecting to `peer` (nil: every configured peer). `discardMyData`: in a split brain
    /// this node gives up its changes and resyncs from the peer.
    case connect(peer: NodeID?, discardMyData: Bool)
    case disconnect(peer: NodeID?)
    /// Mark the local disk Inconsistent and resync everything from an UpToDate peer.
    case invalidate
    /// Online verify against `peer` (nil: every connected UpToDate peer).
    case verify(peer: NodeID?)
    /// Attach the backing store with the metadata read from it.
    case attach(PersistedMetadata)
    /// Detach cleanly: bitmaps and activity log written out, disk Diskless.
    case detach
    /// DRBD `new-current-uuid --clear-bitmap`: declare all connected Inconsistent replicas of a
    /// new volume identical (thin, or freshly zeroed) and UpToDate without an initial sync.
    case skipInitialSync
}

public enum AdminResult: Sendable, Equatable {
    case done
    /// Refused, nothing changed; the text says why and what to do.
    case refused(String)
}

public struct AdminReply: Sendable, Equatable {
    public var id: AdminRequestID
    public var result: AdminResult
    public init(id: AdminRequestID, result: AdminResult) {
        self.id = id
        self.result = result
    }
}
