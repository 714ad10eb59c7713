import DequeModule

/// The replication decisions for one volume replica on one node: a deterministic state machine
/// with no I/O, no clock and no threads (DRBD 9 semantics, raft's Ready shape).
///
/// ## Driving it (the shell's loop)
/// 1. `init(config:metadata:randomSeed:)` with the metadata read from disk (nil for a diskless
///    client), then `start()` once and execute its output.
/// 2. For every event call `step(_:)` — `.tick` every 1/`ticksPerSecond` s, `.transportUp/Down`,
///    `.message` for each decoded peer message in arrival order, `.client` per NBD request,
///    `.storage` per finished storage action, `.admin` per admin command — and execute the
///    returned `ReplicaOutput` following its ordering contract (see `ReplicaOutput`).
/// 3. `status` at any time for `tandem adm status`.
///
/// The instance is a value: the shell keeps one per (resource, volume) and calls it from one
/// thread or actor at a time.
public struct ReplicaInstance: Sendable {
    public internal(set) var config: ReplicaConfig
    var random: SplitMix64
    var now: UInt64 = 0
    /// The shell's monotonic clock at the current step (µs), when it gives one; only the resync
    /// rate controller uses it (100 ms ticks are too coarse to see queueing).
    var clockMicros: UInt64?
    var started = false

    // Local device.
    var role: Role = .secondary
    var autoPromoted = false
    var writers = 0
    var disk: DiskState
    var generations: GenerationSet
    var flags: MetadataFlags
    var crashedAtAttach = false
    var crashedPrimaryAtAttach = false
    /// Why the disk last became Outdated, for the operator (`diskReason`); read only while it is
    /// Outdated, and set by every way it becomes so but the two its flags tell (a quorum loss,
    /// a failure record) and an attach (which clears it).
    var outdatedReason: DiskReason?
    /// The last metadata record of a disk that failed while a Primary wrote with UpToDate data
    /// elsewhere (`noteFailureRecord(wasDisk:)`); written once, while detached. Kept until a disk is
    /// attached again, which then comes back no better than it says.
    var failureRecord: (header: MetadataHeader, version: UInt64)?
    var failureRecordWritten = false
    /// The generation a disk attached with `MetadataFlags.diskFailed` failed at.
    var diskFailedGeneration: Generation?
    /// The activity-log extents a crash left possibly different from every peer (applied at
    /// attach), until a resync into this node replaces its data (`adoptGenerations`): they stay
    /// out of sync toward every peer until a resync covers them (`keepCrashExtentsOutOfSync`).
    var crashExtents: [UInt32] = []
    /// A new current generation must start with the next write (DRBD: first write after losing
    /// a peer, or after promotion while a peer is absent).
    var needsNewGeneration = false
    /// Generations a writer moved past while this replica stayed behind (Inconsistent or
    /// Outdated) and acknowledges its writes (or, provisionally until one arrives, may:
    /// `supersededAwaitingWrite`); oldest first, at most `GenerationSet.historyMax`.
    var supersededGenerations: [Generation] = []
    /// Notes in `supersededGenerations` taken from a protocol C writer's announcement
    /// (`noteSupersededGeneration`) before any write arrived after it: this node has answered
    /// no write of the writer's new generation yet, so no acknowledged write rests on its vote.
    /// Dropped with the note when the writer's connection ends first
    /// (`expireSupersededAwaitingWrite`); a write's arrival makes them stand
    /// (`confirmSupersededAwaitingWrite`). Memory only: after a crash the notes read from disk
    /// stand, as before (a refusal too many costs liveness, one too few an acknowledged write).
    /// Not for protocol A: its writer counts a copy when it sends it, and the announcement that
    /// preceded it on the stream is the one news this node may get of it.
    var supersededAwaitingWrite: [SupersededAwaitingWrite] = []
    /// Inconsistent, this replica wrote a writer's writes while the writer's last reported
    /// generation was not its own current (`HandshakeFlags.tookNewerWrites`), until a resync into
    /// it ends (`adoptGenerations`). "Not its own", not "newer": a target keeps its generation
    /// until its resync ends, and whether the writer's is newer cannot be told from a report that
    /// may lag or name a generation this node never saw; the flag only keeps a failed disk from
    /// serving this node (`GenerationComparison.knowsSuperseded`, which also asks that the disk's
    /// generation be one this node knows superseded), so set too often it costs a resync that
    /// waits, set too rarely a write taken from under the failed disk. In memory only: after a
    /// crash the handshake no longer says it, and a failed disk at a superseded generation may
    /// serve this node again (as before protocol 22). No acknowledged write is lost by that: a
    /// write's acknowledgement never counts an Inconsistent copy (`PendingRequest.durableCopies`),
    /// and the durable superseded list keeps this node refusing its vote to a replica at that
    /// generation (`knowsNewerGeneration`), the failed disk included; what it costs is this
    /// node's extra copy of the newer writes until the writer's replicas return.
    var tookNewerWrites = false
    var activityLog: ActivityLog
    var hasQuorum = true
    var hadQuorum = true
    /// Set while this node drops a connection only to renegotiate it (see `dropConnection`).
    var quorumOutdateSuppressed = false

    var peers: [PeerState]

    // Metadata writer: at most one write outstanding.
    var metadataVersion: UInt64 = 0
    var metadataPersistedVersion: UInt64 = 0
    var metadataInFlight: (id: StorageOpID, version: UInt64)?
    /// When bitmap words were last written; words that only lost bits wait up to a second.
    var clearedBitsWrittenTick: UInt64 = 0
    /// Writes may start only once this metadata version (new generation, promotion flag) is
    /// durable.
    var writeBarrierVersion: UInt64 = 0
    /// The first write sequence issued in the generation this node started as Primary: the
    /// acknowledgement of a write from it on clears `generationUnconfirmed`. 0 after a restart:
    /// every write is then in the current generation.
    var unconfirmedGenerationFirstSequence: UInt64 = 0
    /// The first metadata version whose header no longer carries the `generationUnconfirmed`
    /// that the last clear removed (`generationConfirmedOnDisk`).
    var generationConfirmedVersion: UInt64 = 0

    // Storage operations.
    var nextStorageID: UInt64 = 1
    var storageInFlight: [StorageOpID: InFlightStorage] = [:]
    /// Data actions in issue order, for overlap serialisation (ids of `storageInFlight` + deferred).
    var dataOrder: [DataOp] = []

    // Client requests.
    var requests: [ClientRequestID: PendingRequest] = [:]
    /// Client requests in arrival order (deterministic iteration); they mostly complete from the
    /// front, which a deque removes without moving the rest.
    var requestOrder: Deque<ClientRequestID> = []
    /// Requests admitted and not yet `.started` (queued or waiting for metadata), in order.
    var unstartedRequests: [ClientRequestID] = []
    /// Writes done everywhere they can be that wait for a metadata write before they are
    /// acknowledged: a new generation (`PendingRequest.ackBarrierVersion`) or the clear of
    /// `generationUnconfirmed` (`generationConfirmedOnDisk`), in the order they got there; and
    /// those waiting for a peer to show it took this Primary's role (`ackWaitsForRoleConfirmation`).
    var acksAwaitingGeneration: [ClientRequestID] = []
    /// Numbers a diskless writer's lost-copy probes (`PendingRequest.ackProbe`).
    var nextLostCopyProbe: UInt64 = 1
    /// Marks a ping as a lost-copy probe (timer pings carry the tick, far below it); the peer
    /// echoes any ping unchanged, so this needs nothing new on the wire.
    static let lostCopyProbeFlag: UInt64 = 1 << 63
    /// Lost-copy probes from peers waiting for this node's metadata (`answerPing`).
    var heldProbeAnswers: [HeldProbeAnswer] = []
    /// New generations' announcements waiting for the header holding them (`holdAnnouncement`).
    var heldAnnouncements: [HeldAnnouncement] = []
    /// The metadata version holding the last change to what a reunion after a crash reads of
    /// this node's Primary past: the crashed-Primary status, the peers it is settled toward, the
    /// Primary mark (`noteCrashedPrimaryStateChanged`). Promotion votes wait for it.
    var crashedPrimaryStateVersion: UInt64 = 0
    /// Promotion requests this node would grant once `crashedPrimaryStateVersion` is durable
    /// (`holdPromotionVote`), in arrival order.
    var heldPromotionVotes: [HeldPromotionVote] = []
    /// The probe sent for the newest generation a lost copy started (`lostCopyGenerationKnown`):
    /// every write that loss left waiting reads its answers.
    var lostCopyGenerationProbe: (generation: Generation, probe: UInt64)?
    /// Issued writes in flight by write sequence, for acks (a scan of every request per ack
    /// before).
    var requestsBySequence: [UInt64: ClientRequestID] = [:]
    /// Writes completed to the client while peers still had them in hand (failed early for lost
    /// quorum), by sequence: not done everywhere until each of those peers answers or drops
    /// (`peerAckedBelow`).
    var writesAwaitingPeers: [UInt64: WriteAwaitingPeers] = [:]
    /// Issued write sequences in issue order, the done ones dropped from the front as the
    /// watermark passes them (`peerAckedBelow()`): its first entry still in flight is the
    /// smallest without a scan of every write in flight for each write.
    var issuedSequences: Deque<UInt64> = []
    var nextWriteSequence: UInt64 = 1
    /// Numbers each client flush, the same toward every peer (`startFlush`).
    var nextFlushNumber: UInt64 = 1
    var nextRemoteReadID: UInt64 = 1
    var nextPromotionID: UInt64 = 1
    /// Numbers each resync this node takes part in (`ResyncProgress.session`).
    var nextResyncSession: UInt64 = 1
    var promotion: PendingPromotion?
    var applicationLatencyRecent: UInt64 = 0

    /// Replicated writes and barriers from peers, applied in arrival order. A deque: a burst of
    /// writes leaves from the front one by one, and an array moved every remaining entry each time.
    var peerQueue: Deque<QueuedPeerOp> = []
    /// Last write sequence received from a Primary that was lost (writer → sequence).
    var lastWriterSequence: [NodeID: UInt64] = [:]
    /// Activity-log extents of the writes of a lost Primary whose peer ack had not come
    /// (writer → extents): reconciled with the other survivors whatever their logs still hold.
    var lostWriterInDoubtExtents: [NodeID: [UInt32]] = [:]
    /// The writer's last sequence when this node's stream from a lost Primary began (writer →
    /// sequence), as this node's writer-lost sent it (`WriterLost.streamStart`).
    var lostWriterStreamStart: [NodeID: UInt64] = [:]
    /// Writer-losts that peers sent while this node still had the writer as a connected Primary
    /// (writer → peer → message): decided when this node loses it too, on the tail and stream
    /// start its own writer-lost then sends (`deferWriterLost`), unless withdrawn first.
    var deferredWriterLosts: [NodeID: [NodeID: WriterLost]] = [:]
    /// The peers whose latest writer-lost this node decided on (writer → peers): a withdrawal
    /// that comes after the decision renegotiates the connection (`onWriterLostWithdrawn`).
    var writerLostsDecided: [NodeID: Set<NodeID>] = [:]
    /// Writer-losts of peers holding the longer tail that this node, behind, decided on while the
    /// peer was not UpToDate as far as it knew (peer → message): decided again when the peer's
    /// state report says UpToDate (`reconcileWhenSourceUpToDate`).
    var writerLostsAwaitingSource: [NodeID: WriterLost] = [:]
    /// The peers this node's own writer-lost went to and that have not yet sent one it decided
    /// on (writer → peers): they may keep it or decide on it, so this node withdraws it from them
    /// if it gets the writer back (`withdrawWriterLostIfWriterBack`). Forgotten with the
    /// connection to the peer.
    var writerLostsSent: [NodeID: Set<NodeID>] = [:]

    var output = ReplicaOutput()

    /// - Parameters:
    ///   - metadata: what `PersistedMetadata.create` made or the shell read back; nil for an
    ///     intentional diskless client.
    ///   - randomSeed: seeds generation identifiers (use a real random value in production).
    public init(config: ReplicaConfig, metadata: PersistedMetadata?, randomSeed: UInt64) throws(ReplicaConfigError) {
        try config.validate()
        self.config = config
        self.random = SplitMix64(seed: randomSeed ^ (UInt64(config.nodeID.rawValue) << 56))
        self.peers = config.peers.sorted { $0.nodeID < $1.nodeID }.map { PeerState(config: $0) }
        self.activityLog = ActivityLog(extentBytes: config.activityLogExtentBytes,
                                       extentsMax: config.activityLogExtentsMax, extents: [])
        self.disk = .diskless
        self.generations = GenerationSet(current: .none)
        self.flags = []
        if config.disklessClient && metadata != nil {
            throw ReplicaConfigError(config.resourceName, "node '\(config.nodeName)' is a diskless client but metadata was given")
        }
        if let metadata {
            do { try metadata.validate(against: config) } catch {
                throw ReplicaConfigError(config.resourceName, "cannot attach: \(error)")
            }
            loadMetadata(metadata)
        }
    }

    /// First output: marks the metadata as attached (crash detection) and reports the initial
    /// state (`exists` events). Call once, before any `step`.
    public mutating func start() -> ReplicaOutput {
        precondition(!started, "start() called twice")
        started = true
        if disk.hasDisk { markMetadataDirty() }
        recomputeQuorum(outdateOnLoss: false)
        emitAllState()
        return takeOutput()
    }

    /// Feeds one event; returns what the shell must do now.
    public mutating func step(_ input: ReplicaInput) -> ReplicaOutput {
        precondition(started, "step() before start()")
        handle(input)
        afterStep()
        return takeOutput()
    }

    /// Feeds several events as one step: each is handled in order as `step` handles it, then the
    /// follow-up work (`afterStep`) runs once for all of them, and their effects come back in one
    /// output, in order. For the data path's bursts: a link's writes or acks decoded from one
    /// read, the completions of the small writes done together at the end of an event-loop
    /// iteration. Stepping them one by one ran the follow-up, and the shell built and carried out
    /// an output, once per event: three times per replicated 4 KiB write on the Primary.
    public mutating func step(batch inputs: [ReplicaInput], atMicros micros: UInt64) -> ReplicaOutput {
        precondition(started, "step() before start()")
        clockMicros = micros
        for input in inputs { handle(input) }
        afterStep()
        return takeOutput()
    }

    private mutating func handle(_ input: ReplicaInput) {
        switch input {
        case .tick: onTick()
        case .transportUp(let peer): onTransportUp(peer)
        case .transportDown(let peer): onTransportDown(peer)
        case .message(let message, let peer): onMessage(message, from: peer)
        case .client(let request): onClientRequest(request)
        case .writersChanged(let count): onWritersChanged(count)
        case .storage(let completion): onStorageCompleted(completion)
        case .admin(let command, let id): onAdmin(command, id: id)
        }
    }

    /// `step(_:)` with the shell's monotonic clock in µs (e.g. `NIODeadline.now()`), which the
    /// resync rate controller measures round trips with. Deterministic callers (the simulation)
    /// may use `step(_:)`, and time is then counted in ticks.
    public mutating func step(_ input: ReplicaInput, atMicros micros: UInt64) -> ReplicaOutput {
        clockMicros = micros
        return step(input)
    }

    /// Microseconds for the rate controller: the shell's clock, or ticks when it gives none.
    var nowMicros: UInt64 { clockMicros ?? now * (1_000_000 / UInt64(config.ticksPerSecond)) }

    mutating func takeOutput() -> ReplicaOutput {
        defer { output = ReplicaOutput() }
        return output
    }

    /// Takes back an output the shell has carried out, for the next step to fill its arrays
    /// again (emptied, their storage kept): each step's fresh output regrew its message, storage
    /// and completion arrays from nothing, several allocations per batch of writes on both
    /// replicas. Storage only: what a step emits does not depend on it. Ignored while the next
    /// output already holds something (a step made inside the shell's handling of `spent`).
    public mutating func reuseStorage(of spent: consuming ReplicaOutput) {
        guard output.storage.isEmpty, output.messages.isEmpty, output.completions.isEmpty,
              output.transport.isEmpty, output.adminReplies.isEmpty, output.events.isEmpty else { return }
        // Only the shell's copy is left when it hands `spent` on as its last use, so these
        // keep the buffers rather than copy them.
        spent.storage.removeAll(keepingCapacity: true)
        spent.messages.removeAll(keepingCapacity: true)
        spent.completions.removeAll(keepingCapacity: true)
        spent.transport.removeAll(keepingCapacity: true)
        spent.adminReplies.removeAll(keepingCapacity: true)
        spent.events.removeAll(keepingCapacity: true)
        // A field added to ReplicaOutput and not emptied above would come out again in the next
        // step's output: caught here in debug builds (every test), not found in a capture later.
        assert(spent == ReplicaOutput(), "reuseStorage(of:) leaves a ReplicaOutput field that it does not empty")
        output = spent
    }

    /// Work that follows any event: write metadata if dirty, issue deferred I/O, start writes
    /// waiting for metadata, drive resync and verify.
    mutating func afterStep() {
        flushMetadataIfNeeded()
        processPeerQueue()
        sendDurableAnnouncements()
        startWaitingRequests()
        releaseAcksAwaitingGeneration()
        sendDurableProbeAnswers()
        answerHeldPromotionVotes()
        sendDeferredGoodbyes()
        for index in peers.indices { driveResync(index); driveVerify(index) }
        pauseResyncSourcesWithoutData()
        returnFromQuorumOutdate()
        settleDiskFailedFlag()
        flushMetadataIfNeeded()
    }

    // MARK: State queries

    public var currentRole: Role { role }
    public var diskState: DiskState { disk }
    public var currentGenerations: GenerationSet { generations }
    public var quorum: Bool { hasQuorum }

    public func connectionState(_ peer: NodeID) -> ConnectionState? { peers.first { $0.id == peer }?.connection }
    public func replicationState(_ peer: NodeID) -> ReplicationState? { peers.first { $0.id == peer }?.replication }
    public func peerDiskState(_ peer: NodeID) -> DiskState? { peers.first { $0.id == peer }?.disk }
    /// Blocks marked out of sync toward `peer`.
    public func outOfSyncBlocks(_ peer: NodeID) -> UInt64 { peers.first { $0.id == peer }?.bitmap?.setCount ?? 0 }
    /// Client requests admitted and not completed.
    public var requestsInFlight: Int { requests.count }

    /// The metadata as it would be written now (for the simulator and for a clean shutdown).
    public var metadataSnapshot: PersistedMetadata? {
        guard config.disklessClient == false, disk.hasDisk || disk == .failed else { return nil }
        let slots = peers.filter { $0.bitmap != nil }
        return PersistedMetadata(
            header: metadataHeader(),
            bitmaps: slots.map { PeerBitmap(peer: $0.id, words: $0.bitmap!.words) })
    }

    public var status: ReplicaStatus {
        ReplicaStatus(resource: resourceStatus, device: deviceStatus,
                      connections: peers.map(connectionStatus),
                      peerDevices: peers.filter { !$0.config.disklessClient || true }.map(peerDeviceStatus))
    }
}
