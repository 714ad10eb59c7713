import DequeModule

/// What the core knows about one peer (connection + peer device).
struct PeerState: Sendable {
    var config: PeerConfig
    var connection: ConnectionState = .standAlone
    var transportUp = false
    var handshakeSent = false
    /// The peer's handshake on the current connection; nil until it arrived.
    var handshake: Handshake?
    /// The handshake this node sent on the current connection: both sides decide the sync
    /// direction from the same pair of handshakes, so they always agree.
    var sentHandshake: Handshake?
    var role: Role = .unknown
    var disk: DiskState = .dUnknown
    var peerHasQuorum = false
    /// The peer's current generation as last reported (handshake, state change).
    var current: Generation = .none
    /// The peer is Outdated only because it lost quorum and has met no newer data since
    /// (handshake flag, state change): it may vouch for a node returning from a quorum outdate.
    var outdatedByQuorumLoss = false
    var replication: ReplicationState = .off
    /// Out-of-sync bits toward this peer; nil when the peer has no bitmap slot (diskless client)
    /// or this node has no disk.
    var bitmap: OutOfSyncBitmap?
    /// Set by `connect --discard-my-data`; sent in the handshakes to this peer until the split
    /// brain it resolved ends in a resync into this node (`negotiate`).
    var discardMyData = false
    /// The peer left with `goodbye(outdated:)`: it does not vote while absent.
    var leftOutdated = false
    /// This node leaves the peer (`disconnect`) and outdated itself for it: the goodbye that says
    /// so waits until this metadata version is on disk (`sendDeferredGoodbyes`). The connection is
    /// Disconnecting meanwhile.
    var goodbyeAfterMetadata: UInt64?
    /// Last write sequence received from this peer (as writer) on this connection.
    var lastSequenceReceived: UInt64 = 0
    /// The writer's last sequence when this connection began (`WriterLost.streamStart`).
    var streamStart: UInt64 = 0
    /// Protocol A writes completed to the client but not yet confirmed by this peer (DRBD keeps
    /// them until the epoch's barrier ack "so we know what to dirty on connection loss").
    var unconfirmedWrites: [UnconfirmedWrite] = []
    /// Writes received from this peer (as writer) on this connection whose peer ack has not
    /// arrived: another replica may lack them (`ReplicaInstance.forgetUnackedPeerWrites`).
    var unackedPeerWrites: Deque<UnackedPeerWrite> = []
    var ticksSinceHeard: UInt32 = 0
    var ticksSinceSent: UInt32 = 0
    var pingOutstanding = false
    /// The last lost-copy probe sent on this connection and the last one it answered (a ping
    /// carrying `ReplicaInstance.lostCopyProbeFlag`; `PendingRequest.ackProbe`). 0: none.
    var lostCopyProbeSent: UInt64 = 0
    var lostCopyProbeAnswered: UInt64 = 0
    var ticksConnecting: UInt32 = 0
    /// Bitmap exchange progress.
    var bitmapSent = false
    var bitmapReceived = false
    var plannedSync: SyncDecision = .noSync
    /// Planned direction holds only if some block is out of sync (equal generations).
    var syncOnlyIfBits = false
    /// That plan's source was not UpToDate at the handshake: the bitmap exchange runs first,
    /// and only bits found make the connection wait (paused) for the source.
    var sourceNotUpToDateAtPlan = false
    /// The connection ended for a reason that needs the operator (split brain, unrelated data).
    var needsOperator: String?
    var resync: ResyncProgress?
    var verify: VerifyProgress?
    var verifyOutOfSyncBlocks: UInt64 = 0
    /// I granted this peer's promotion; it is about to be Primary.
    var promotionGranted = false
    /// A connection refused for a second Primary is asked for again at this tick
    /// (`ReplicaInstance.deferConnection`).
    var reconnectAtTick: UInt64?
    /// This node is Primary and counted the peer before the peer showed it took the role (it
    /// connected while this node's promotion waited without asking it, or while this node was
    /// Primary without quorum): a write is not acknowledged on a quorum that needs it
    /// (`ackWaitsForRoleConfirmation`).
    var awaitsRoleConfirmation = false
    /// The role probe (`ReplicaInstance.roleProbeFlag`) sent on this connection; 0: none.
    var roleProbeSent: UInt64 = 0
    /// Why `deferConnection` last dropped this connection, until it connects or the operator
    /// disconnects it: the connection's status says it, not only the log (the operator has to
    /// demote one of the Primaries for it to connect).
    var deferredBecause: String?
    /// This node, a diskless Primary, took the peer Outdated at the handshake for holding this
    /// generation, not the one exposed (`joinBesideDisklessPrimary`): a state report at it still
    /// claiming UpToDate was sent before the peer received this node's handshake.
    var joinedOutdatedAt: Generation?
    /// The last new generation (and its parent) this node, as Primary, announced to the peer on
    /// this connection: the peer takes it on arrival, before its next state report says so.
    /// `base`: the parent of the first of the announcements this one chains from on this
    /// connection (each announced the previous one's generation as its parent): a peer last
    /// reported there takes the whole chain in order. Generations, not the announcement: its
    /// absent-node array would be retained and released with every copy of this record.
    var announcedGeneration: (current: Generation, previous: Generation, base: Generation)?
    /// A resync this node served to the peer finished since this node attached, or the two met
    /// both UpToDate with nothing out of sync: the peer holds this node's data on every block
    /// its crash may have left different (the crash's
    /// activity-log extents are marked toward every peer at attach), so toward this peer that
    /// crash no longer decides which side of an equal-generation connection yields
    /// (`ReplicaInstance.makeHandshake`; DRBD 8.4 clears CRASHED_PRIMARY once both disks are
    /// UpToDate).
    var tookDataSinceAttach = false
    /// `disk` says UpToDate because this node, its resync source, ended the resync, and the
    /// peer's own report has not come yet: it may still be an Inconsistent target (the "finished"
    /// is on its way, or a lost writer's extents reopened its side of the resync). A lost
    /// writer's survivor behind it does not take it for a source before that report
    /// (`reconcileWriterLost`).
    var upToDateUnreported = false
    /// This node's crashed-Primary status is settled toward this peer: it took this node's data
    /// since that crash. Unlike `tookDataSinceAttach` it outlives restarts (the header's
    /// `crashedPrimarySettledPeers`): a later crash as a Secondary is a plain crash toward this
    /// peer, which may hold writes acknowledged since that this node never received.
    var crashedPrimarySettled = false
    /// Resync requests from this peer waiting for writes from `writer` before they can be read.
    var heldResyncRequests: [(request: ResyncRequest, sinceTick: UInt64)] = []

    init(config: PeerConfig) { self.config = config }

    var id: NodeID { config.nodeID }
    /// `case .some`, not `handshake != nil`: that comparison copied both handshakes (their
    /// arrays retained and released), and this is asked for every peer of every write.
    var isConnected: Bool {
        guard connection == .connected, case .some = handshake else { return false }
        return true
    }
    /// Writes are sent to this peer: connected, handshake done, and it has a disk.
    var receivesWrites: Bool {
        guard isConnected, !config.disklessClient else { return false }
        return disk.hasDisk && disk != .attaching
    }
}

/// The outcome of comparing generations at connect (DRBD `drbd_uuid_compare`).
enum SyncDecision: Sendable, Equatable {
    case noSync
    case sourceUseBitmap
    case targetUseBitmap
    case sourceFull
    case targetFull
    /// Both wrote independently since a common generation.
    case splitBrain
    /// No generation in common at all.
    case unrelated
    /// Neither side can serve the other: both never synced (wait for `primary --force` or
    /// `skipInitialSync`), both Inconsistent, or an Inconsistent side with a newer writer's writes
    /// and a failed disk at a generation it knows was moved past. Planned again when a resync
    /// into either side ends.
    case bothJustCreated

    var isSource: Bool { self == .sourceUseBitmap || self == .sourceFull }
    var isTarget: Bool { self == .targetUseBitmap || self == .targetFull }
}

/// A resync in progress with one peer (on either side).
struct ResyncProgress: Sendable {
    var isTarget: Bool
    /// Blocks out of sync when the resync started (for done %).
    var totalBlocks: UInt64
    /// Next block to look at (target side; resync proceeds in linear block order).
    var cursor: UInt64 = 0
    /// Target: requests sent and not answered.
    var outstanding: [OutstandingResync] = []
    var nextRequestID: UInt64 = 1
    var paused = false
    /// Bytes received per tick over the last second (ring), for rate and ETA.
    var recentBytes: [UInt64] = []
    var bytesThisTick: UInt64 = 0
    var controller: ResyncRateController
    /// Target told the source it is done and waits for its generations.
    var finishing = false
    /// Target: resync writes issued and not completed.
    var writesInFlight = 0
    /// Target: those writes (range start, length, when the data was requested, in µs), for the
    /// rate controller's round trip and window.
    var writing: [(offsetBytes: UInt64, lengthBytes: UInt64, requestedMicros: UInt64)] = []
    /// Target: bytes requested and not yet answered or written; what the window limits.
    var inFlightBytes: UInt64 = 0
    /// Target: requests wait until the metadata saying "Inconsistent" is durable.
    var startVersion: UInt64 = 0
    /// Which resync this is (`ReplicaInstance.nextResyncSession`): a resync write carries it, so
    /// that one issued by an earlier, interrupted resync from the same peer and completing during
    /// this one is told apart (`onResyncWriteDone`).
    var session: UInt64 = 0
    /// Target: this node lost a protocol A writer and holds writes of it the source may lack;
    /// no request goes out until they are settled (`holdLostWriterTail`).
    var lostWriterTail: LostWriterTailHold?
    /// Target: the blocks the source said, with its replies, that third nodes lack
    /// (`ResyncReply.outOfSyncToward`), set toward them when the resync ends, after the bits
    /// toward peers that are not behind are dropped (`adoptGenerations`).
    var sourceTracks: [NodeID: OutOfSyncBitmap] = [:]
    /// ... and the blocks the source's own crash marked toward them (`ResyncReply.crashOnlyToward`),
    /// set toward them as crash-only at the same moment.
    var sourceCrashTracks: [NodeID: OutOfSyncBitmap] = [:]
}

struct OutstandingResync: Sendable {
    var id: UInt64
    var offsetBytes: UInt64
    var lengthBytes: UInt32
    var sentMicros: UInt64
    var sentTick: UInt64
    /// The bitmap blocks touched by application writes that arrived while it was outstanding:
    /// for those the reply may be older than the write, so they are not written from it; the
    /// rest of the reply is as good as one that no write overlapped. Disjoint, not adjacent.
    var newerBlocks: [Range<UInt64>] = []

    /// Adds `blocks` to `newerBlocks`, merging the runs it touches, so the list stays within
    /// half the request's blocks however many writes arrive.
    mutating func noteNewerWrite(_ blocks: Range<UInt64>) {
        var merged = blocks
        newerBlocks.removeAll { run in
            guard run.lowerBound <= merged.upperBound && merged.lowerBound <= run.upperBound else { return false }
            merged = min(run.lowerBound, merged.lowerBound) ..< max(run.upperBound, merged.upperBound)
            return true
        }
        newerBlocks.append(merged)
    }

    /// The runs of the request's blocks `first ..< end` that no newer write touched, in order.
    func blocksNotOverwritten(_ first: UInt64, _ end: UInt64) -> [Range<UInt64>] {
        var runs: [Range<UInt64>] = []
        var cursor = first
        for run in newerBlocks.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if cursor < run.lowerBound { runs.append(cursor ..< min(run.lowerBound, end)) }
            cursor = max(cursor, run.upperBound)
        }
        if cursor < end { runs.append(cursor ..< end) }
        return runs
    }
}

/// Online verify in progress against one peer (source side).
struct VerifyProgress: Sendable {
    var cursor: UInt64 = 0
    var totalBlocks: UInt64
    var outstanding: [UInt64] = []
    var nextID: UInt64 = 1
    var differing: UInt64 = 0
    var done: UInt64 = 0
}

/// A write received from a writer whose peer ack has not arrived yet (DRBD keeps the peer
/// request on `connection->peer_requests` until then).
struct UnackedPeerWrite: Sendable, Equatable {
    var sequence: UInt64
    var offsetBytes: UInt64
    var lengthBytes: UInt64
}

/// A protocol A write sent to a peer whose write ack has not arrived yet.
struct UnconfirmedWrite: Sendable, Equatable {
    var sequence: UInt64
    var offsetBytes: UInt64
    var lengthBytes: UInt64
    /// Activity-log extents held until the peer confirms (DRBD keeps protocol A requests until
    /// the barrier ack): were they evicted from the durable log first, a crash of this writer
    /// would leave no trace that the peer may lack the write.
    var extents: ClosedRange<UInt32>?
    /// The writer's own copy failed: the write waits for this peer's answer after all
    /// (`ReplicaInstance.ownCopiesLost`).
    var awaited = false
}

extension PeerState {
    /// Records an announcement sent on this connection; it extends the chain when its parent is
    /// the last one announced here (the peer, taking them in order, ends at `current`).
    mutating func recordAnnouncement(current: Generation, previous: Generation) {
        let base = announcedGeneration.flatMap { $0.current.sameHistory(as: previous) ? $0.base : nil } ?? previous
        announcedGeneration = (current: current, previous: previous, base: base)
    }
}
