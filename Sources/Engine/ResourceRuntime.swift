import EngineAdmin
import EngineConfig
import EngineFiles
import Logging
import NIOCore
import NIOPosix
import ReplicationCore
import ReplicationWire

/// Runs one resource: a `ReplicaInstance` per volume, their backing disks and metadata files,
/// the replication links to every peer, and the NBD clients' requests. All decisions are the
/// core's; this actor only feeds it events one at a time and carries out its outputs following
/// the ordering contract in `ReplicaOutput`:
/// - data actions start at once on the thread pool (the core already serialised overlaps),
///   except small writes, done on this loop once the links are flushed (`endOfIteration`), or
///   right away when no link is up, their completions fed back after the output that issued
///   them (`drainInlineCompletions`);
/// - a metadata update is applied to the in-memory record and written durably before its
///   completion is fed back (at most one is outstanding);
/// - messages to a peer are written to its link in emission order (one TCP stream per peer and
///   volume); messages to a peer without a link are dropped (the core accounts for that);
/// - completions resume the waiting NBD request; admin replies resume the waiting admin call.
///
/// The actor runs on one NIO event loop (`loop`, its executor) rather than on the shared
/// cooperative pool: NBD requests and storage completions arriving on that loop are handled
/// synchronously (`assumeIsolated`) without a thread hop, and from another loop with one
/// `execute`, instead of a task creation and two hops each way. Nothing here may block: disk
/// I/O runs on the thread pool, as before.
actor ResourceRuntime {
    /// The resource file in force; `reconfigure` replaces it in place (adjust).
    var config: ResourceConfig
    /// The resource name (fixed for the runtime's life; readable without the actor).
    nonisolated let name: String
    /// The event loop this actor's code runs on.
    nonisolated let loop: any EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }
    let layout: EngineStateLayout
    let logger: Logger
    let group: any EventLoopGroup
    var volumes: [UInt16: VolumeRuntime] = [:]
    /// Per diskful volume: NBD READs the core would serve locally skip the actor (see LocalReadPath).
    var readPaths: [UInt16: LocalReadPath] = [:]
    /// Small writes done on this loop (`BackingStore.performInline`) at the end of the event-loop
    /// iteration, after the links are flushed (see `endOfIteration`).
    var deferredWrites: [(UInt16, StorageAction)] = []
    /// Completions of small writes done at once, when no peer link is up (nothing to flush
    /// first), fed to the core after the output that issued them is carried out (`execute`).
    var inlineCompletions: [(UInt16, StorageCompletion)] = []
    var drainingInlineCompletions = false
    /// Link connections written to and not yet flushed.
    var unflushedLanes: [LinkLane] = []
    var iterationEndScheduled = false
    var links: [LinkKey: PeerLink] = [:]
    /// (volume, peer) pairs the core wants connected.
    var wanted: Set<LinkKey> = []
    var dialers: [LinkKey: Task<Void, Never>] = [:]
    var listener: (any Channel)?
    var ticker: RepeatedTask?
    var nextLinkID: UInt64 = 1
    var nextRequestID: UInt64 = 1
    var nextAdminID: UInt64 = 1
    /// Messages for the operator, per peer (split brain, refused hellos), shown in status.
    var peerMessages: [UInt8: String] = [:]
    var lastError: String?
    var stopped = false
    /// The core instances have been started (`start()` got past listening); before that, `stop`
    /// must not step them.
    var instancesStarted = false
    /// Metadata writes started and not yet completed; `stop` waits for them so a clean
    /// shutdown leaves the detached record on disk.
    var metadataWritesInFlight = 0
    /// Called whenever something that status shows may have changed.
    let onChange: @Sendable () -> Void

    static let ticksPerSecond: UInt32 = 10

    struct LinkKey: Hashable, Sendable { var volume: UInt16; var peer: UInt8 }

    /// A connection to one peer for one volume: its main TCP connection and, once the peer opened
    /// it, its resync connection (`ReplicationHello.Lane`). Messages go out on the main one,
    /// resync replies on the resync one when it is up. Either one ending ends the link (the core
    /// knows one connection per peer).
    struct PeerLink {
        let id: UInt64
        let main: LinkLane
        /// Ties the resync connection to this main connection (`ReplicationHello.connectionToken`).
        let connectionToken: UInt64
        var resync: LinkLane?

        var channel: any Channel { main.channel }

        /// Where `message` goes: a resync reply (up to 1 MiB) on the resync connection, so that
        /// the application's writes and acks on the main one never queue behind it. Before the
        /// resync connection is up, on the main one: ordering between the two is not relied on
        /// (a write that reaches the target while a resync request for its range is outstanding
        /// marks it overlapped, and its reply is dropped, whichever arrives first).
        func lane(for message: PeerMessage) -> LinkLane {
            if case .resyncReply = message, let resync { return resync }
            return main
        }

        func close() {
            main.channel.close(promise: nil)
            resync?.channel.close(promise: nil)
        }
    }

    /// One TCP connection of a link and its frame writer.
    struct LinkLane {
        let channel: any Channel
        /// The channel's frame writer and its context: messages are handed to it directly (see
        /// `send`). Nil only if the channel is not on this actor's loop.
        var writer: (handler: ReplicationFrameWriter, context: ChannelHandlerContext)?

        init(channel: any Channel, loop: any EventLoop) {
            self.channel = channel
            if channel.eventLoop === loop,
               let handler = try? channel.pipeline.syncOperations.handler(type: ReplicationFrameWriter.self),
               let context = try? channel.pipeline.syncOperations.context(handlerType: ReplicationFrameWriter.self) {
                writer = (handler, context)
            }
        }

        /// Queues `message` on the connection; it leaves at the next `flush`. Straight into the
        /// frame writer rather than through `channel.write`: that boxed every message in an
        /// existential (an allocation) and cast it back in the writer, per message.
        func send(_ message: PeerMessage) {
            if let writer { writer.handler.send(message, context: writer.context) } else {
                channel.write(ReplicationOutbound.message(message), promise: nil)
            }
        }

        func flush() {
            if let writer { writer.handler.flush(context: writer.context) } else { channel.flush() }
        }
    }

    /// Per volume: the core instance and what is waiting on it. A class, not a struct: every
    /// `volumes[v]` read of a struct copied the whole record (the core instance with all its
    /// arrays and tables, a retain and release each) several times per request; that was the
    /// largest CPU cost of a 4 KiB write in the engine's own code.
    final class VolumeRuntime {
        var instance: ReplicaInstance
        let backing: BackingStore?
        var metadata: PersistedMetadata?
        /// Writes `metadata` to the volume's file (nil for a diskless volume).
        var metadataWriter: MetadataFileWriter?
        let sizeBytes: UInt64
        var clients: [ClientRequestID: ClientWaiter] = [:]
        var admin: [AdminRequestID: CheckedContinuation<AdminResult, Never>] = [:]
        var openExports = 0
        var writers = 0
        var readBytes: UInt64 = 0
        var writtenBytes: UInt64 = 0
        var traffic: [UInt8: Traffic] = [:]
        /// What the read path was last told (`LocalReadPath.update`), to tell it only changes.
        var readsLocally: Bool?

        init(instance: ReplicaInstance, backing: BackingStore?, metadata: PersistedMetadata?, metadataWriter: MetadataFileWriter?, sizeBytes: UInt64) {
            self.instance = instance; self.backing = backing; self.metadata = metadata
            self.metadataWriter = metadataWriter; self.sizeBytes = sizeBytes
        }

        /// Steps the core, and tells whether it now reads locally. Both in place: reading
        /// `instance.readsLocally` from outside a mutating context copied the whole instance
        /// (every array and table in it retained and released), twice per request; perf showed
        /// those copies among the largest user-space costs of a 4 KiB write.
        func step(_ input: ReplicaInput, atMicros micros: UInt64) -> (ReplicaOutput, readsLocally: Bool) {
            Self.step(&instance, input, atMicros: micros)
        }

        private static func step(_ instance: inout ReplicaInstance, _ input: ReplicaInput, atMicros micros: UInt64) -> (ReplicaOutput, readsLocally: Bool) {
            let output = instance.step(input, atMicros: micros)
            return (output, instance.readsLocally)
        }

        /// `step` for a burst of data-path events (`ReplicaInstance.step(batch:)`).
        func step(batch inputs: [ReplicaInput], atMicros micros: UInt64) -> (ReplicaOutput, readsLocally: Bool) {
            Self.step(&instance, batch: inputs, atMicros: micros)
        }

        private static func step(_ instance: inout ReplicaInstance, batch inputs: [ReplicaInput], atMicros micros: UInt64) -> (ReplicaOutput, readsLocally: Bool) {
            let output = instance.step(batch: inputs, atMicros: micros)
            return (output, instance.readsLocally)
        }
    }

    struct Traffic {
        var sent: UInt64 = 0, received: UInt64 = 0, resyncSent: UInt64 = 0, resyncReceived: UInt64 = 0
    }

    init(config: ResourceConfig, layout: EngineStateLayout, group: any EventLoopGroup, logger: Logger,
         onChange: @escaping @Sendable () -> Void) {
        self.config = config; self.name = config.name; self.layout = layout; self.group = group; self.onChange = onChange
        self.loop = group.next()
        var logger = logger
        logger[metadataKey: "resource"] = "\(config.name)"
        self.logger = logger
    }

    // MARK: lifecycle

    /// Opens disks and metadata, creates the core instances, starts listening, ticking and
    /// connecting. Throws (with the file named) when a disk or metadata file cannot be used.
    func start() async throws {
        try AtomicFile.makeDirectories(layout.metadataDirectory(config.name))
        for volume in config.volumes {
            let v = UInt16(volume.number)
            let replicaConfig = try makeReplicaConfig(volume)
            let path = layout.metadataPath(config.name, volume: volume.number)
            var backing: BackingStore?
            var metadata: PersistedMetadata?
            var writer: MetadataFileWriter?
            if let disk = volume.backingPath {
                backing = try BackingStore(path: disk, sizeBytes: volume.size.rawValue)
                let file = try await MetadataFile.loadOffLoop(path)
                var fileWriter = MetadataFileWriter(path: path, activityLogExtentsMax: replicaConfig.activityLogExtentsMax, loaded: file)
                if var loaded = file?.metadata {
                    if loaded.header.sizeBytes < replicaConfig.sizeBytes {
                        loaded = try await VolumeGrowth.grow(loaded, to: replicaConfig, backingPath: disk, writer: &fileWriter, logger: logger)
                    }
                    do { try loaded.validate(against: replicaConfig) } catch {
                        throw EngineError("\(path): \(error); the metadata does not belong to this volume as configured in \(layout.resourceFilePath(config.name))")
                    }
                    metadata = loaded
                } else {
                    var thin = config.options.skipInitialSync
                    if thin, backing?.holdsNoData() == false {
                        // The option promises a fresh thin volume; this file already holds data,
                        // so skipping the sync could leave replicas different: sync normally.
                        logger.warning("\(disk): skip-initial-sync is set but the backing file already holds data; this replica takes part in a normal initial sync")
                        thin = false
                    }
                    let fresh = PersistedMetadata.create(for: replicaConfig, thin: thin)
                    let result = await fileWriter.run(fileWriter.replace(with: fresh))
                    if case .failed(let why) = result { throw EngineError(why) }
                    metadata = fresh
                }
                writer = fileWriter
            }
            let instance: ReplicaInstance
            do {
                instance = try ReplicaInstance(config: replicaConfig, metadata: metadata, randomSeed: UInt64.random(in: 1...UInt64.max))
            } catch {
                throw EngineError("\(layout.resourceFilePath(config.name)): \(error)")
            }
            volumes[v] = VolumeRuntime(instance: instance, backing: backing, metadata: metadata, metadataWriter: writer,
                                       sizeBytes: volume.size.rawValue)
            if let backing { readPaths[v] = LocalReadPath(backing: backing) }
        }
        try await listen()
        instancesStarted = true
        for v in volumes.keys.sorted() {
            let output = volumes[v]!.instance.start()
            volumes[v]!.readsLocally = volumes[v]!.instance.readsLocally
            readPaths[v]?.update(from: volumes[v]!.instance, stopped: stopped)
            execute(v, output)
        }
        let loop = group.next()
        ticker = loop.scheduleRepeatedTask(initialDelay: .milliseconds(100), delay: .milliseconds(100)) { [weak self] _ in
            guard let self else { return }
            Task { await self.tick() }
        }
        // `up` connects, as drbdadm up does (attach + connect); a split brain found again is
        // reported again and the resource stays StandAlone until the operator resolves it.
        if !config.peers.isEmpty, case .refused(let why) = await adminAll(.connect(peer: nil, discardMyData: false)) {
            logger.warning("\(config.name): connect refused: \(why)")
        }
        logger.info("resource \(config.name) is up")
    }

    func makeReplicaConfig(_ volume: VolumeConfig, of resource: ResourceConfig? = nil) throws(EngineError) -> ReplicaConfig {
        let config = resource ?? self.config
        let proto: ReplicationCore.ReplicationProtocol = config.replicationProtocol == .a ? .a : .c
        var c = ReplicaConfig(
            resourceName: config.name, volume: UInt16(volume.number), nodeID: NodeID(UInt8(config.nodeId)),
            nodeName: config.nodeName, disklessClient: volume.backingPath == nil,
            peers: config.peers.map { PeerConfig(nodeID: NodeID(UInt8($0.nodeId)), name: $0.nodeName, replicationProtocol: proto, disklessClient: $0.diskless) },
            sizeBytes: volume.size.rawValue)
        let o = config.options
        c.activityLogExtentsMax = o.alExtents
        switch o.quorum {
        case .off: c.quorum = .off
        case .majority: c.quorum = .majority
        case .all: c.quorum = .all
        }
        c.onNoQuorum = o.onNoQuorum == .ioError ? .ioError : .suspendIO
        c.autoPromote = o.autoPromote
        c.ticksPerSecond = Self.ticksPerSecond
        c.pingIntervalTicks = UInt32(o.pingIntervalSeconds) * Self.ticksPerSecond
        c.pingTimeoutTicks = UInt32(o.pingTimeoutSeconds) * Self.ticksPerSecond
        c.resyncRateMinBytesPerSecond = o.resyncRateMin.rawValue
        if let max = o.resyncRateMax { c.resyncRateMaxBytesPerSecond = max.rawValue }
        if let fill = o.resyncFillTarget { c.resyncFillTargetBytes = fill.rawValue }
        do { try c.validate() } catch { throw EngineError("\(layout.resourceFilePath(config.name)): \(error)") }
        return c
    }

    /// Stops everything: detaches cleanly (metadata written without the "attached" mark, so the
    /// next start is not treated as a crash), closes links and the listener.
    func stop() async {
        guard !stopped else { return }
        for v in volumes.keys.sorted() where instancesStarted {
            _ = await admin(v, .disconnect(peer: nil))
            if volumes[v]?.backing != nil { _ = await admin(v, .detach) }
        }
        for _ in 0..<500 where metadataWritesInFlight > 0 { try? await Task.sleep(for: .milliseconds(10)) }
        if metadataWritesInFlight > 0 { logger.error("\(config.name): metadata writes still in flight at shutdown; the next start resyncs the activity log") }
        stopped = true
        for path in readPaths.values { path.close() }
        ticker?.cancel()
        for task in dialers.values { task.cancel() }
        dialers = [:]
        for link in links.values { link.close() }
        links = [:]
        try? await listener?.close()
        listener = nil
        for v in volumes.keys {
            for (_, c) in volumes[v]!.clients { c.resume(.failed(ClientError(.io, "\(config.name) is going down"))) }
            volumes[v]!.clients = [:]
        }
        logger.info("resource \(config.name) is down")
    }

    // MARK: stepping

    func tick() {
        guard !stopped else { return }
        for v in volumes.keys.sorted() { step(v, .tick) }
        onChange()
    }

    func step(_ v: UInt16, _ input: ReplicaInput) {
        guard !stopped, instancesStarted, let volume = volumes[v] else { return }
        let (output, local) = volume.step(input, atMicros: NIODeadline.now().uptimeNanoseconds / 1000)
        afterStep(v, volume, output, readsLocally: local)
    }

    /// Steps the core once for a burst of data-path events of one volume, in order (a link's
    /// writes or acks from one read, the completions of one iteration's small writes).
    func step(_ v: UInt16, batch inputs: [ReplicaInput]) {
        guard !inputs.isEmpty, !stopped, instancesStarted, let volume = volumes[v] else { return }
        if inputs.count == 1 { return step(v, inputs[0]) }
        let (output, local) = volume.step(batch: inputs, atMicros: NIODeadline.now().uptimeNanoseconds / 1000)
        afterStep(v, volume, output, readsLocally: local)
    }

    private func afterStep(_ v: UInt16, _ volume: VolumeRuntime, _ output: ReplicaOutput, readsLocally local: Bool) {
        // Before `execute` resumes this step's completions: a read that follows an acknowledged
        // write, or a disk failure, must already find the read path as the core now decides.
        if volume.readsLocally != local {
            volume.readsLocally = local
            readPaths[v]?.update(from: volume.instance, stopped: stopped)
        }
        execute(v, output)
    }

    func record(_ event: StateEvent) {
        // A connection that comes up again means the operator resolved what the last error
        // (split brain, refused hello) was about.
        if case .connection(let c) = event, c.connection == .connected { lastError = nil }
        if case .log(let level, let text) = event {
            switch level {
            case .info: logger.info("\(text)")
            case .warning: logger.warning("\(text)")
            case .error: logger.error("\(text)"); lastError = text
            }
        }
    }

    /// Counts replication payload per peer for status (`sent`, `rs-sent`, …).
    func count(_ v: UInt16, _ m: OutboundMessage, to peer: UInt8) {
        var t = volumes[v]!.traffic[peer] ?? Traffic()
        switch m.message {
        case .write(let w): t.sent += UInt64(w.data.readableBytes)
        // Resync counts the volume bytes brought in sync (a range of zeros travels as a marker).
        case .resyncReply(let r): t.sent += UInt64(r.data.readableBytes); t.resyncSent += UInt64(r.lengthBytes)
        case .readReply(let r): t.sent += UInt64(r.data.count)
        default: break
        }
        volumes[v]!.traffic[peer] = t
    }

    func countInbound(_ v: UInt16, _ message: PeerMessage, from peer: UInt8) {
        var t = volumes[v]?.traffic[peer] ?? Traffic()
        switch message {
        case .write(let w): t.received += UInt64(w.data.readableBytes)
        case .resyncReply(let r): t.received += UInt64(r.data.readableBytes); t.resyncReceived += UInt64(r.lengthBytes)
        case .readReply(let r): t.received += UInt64(r.data.count)
        default: break
        }
        volumes[v]?.traffic[peer] = t
    }

    // MARK: requests from NBD and admin

    func submit(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32, fua: Bool) async -> ClientResult {
        let promise = loop.makePromise(of: ClientResult.self)
        submit(v, operation, offset: offset, length: length, fua: fua, completing: promise)
        return (try? await promise.futureResult.get()) ?? .failed(ClientError(.io, "\(config.name): request abandoned"))
    }

    /// Hands a client request to the core; `promise` is completed with the result (from this
    /// actor's loop; its callbacks run on the promise's own loop).
    func submit(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32, fua: Bool,
                completing promise: EventLoopPromise<ClientResult>) {
        submit(v, operation, offset: offset, length: length, fua: fua, waiter: .promise(promise))
    }

    func submit(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32, fua: Bool, waiter: ClientWaiter) {
        guard !stopped, let volume = volumes[v] else {
            waiter.resume(.failed(ClientError(.io, "\(config.name) is down")))
            return
        }
        let id = ClientRequestID(nextRequestID)
        nextRequestID += 1
        switch operation {
        case .read: volume.readBytes += UInt64(length)
        case .write, .trim, .writeZeroes: volume.writtenBytes += UInt64(length)
        case .flush: break
        }
        volume.clients[id] = waiter
        step(v, .client(ClientRequest(id: id, operation: operation, offsetBytes: offset, lengthBytes: length, fua: fua)))
    }

    /// `submit` from any thread without a task: synchronously when called on this actor's loop,
    /// else with one hop onto it.
    nonisolated func submitFromEventLoop(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32,
                                         fua: Bool, completing promise: EventLoopPromise<ClientResult>) {
        if loop.inEventLoop {
            assumeIsolated { $0.submit(v, operation, offset: offset, length: length, fua: fua, completing: promise) }
        } else {
            loop.execute {
                self.assumeIsolated { $0.submit(v, operation, offset: offset, length: length, fua: fua, completing: promise) }
            }
        }
    }

    /// `submit` from code running on this actor's loop (checked by the caller): `waiter` is
    /// resumed on this loop, before this returns when the core answers at once (e.g. a refusal).
    nonisolated func submitOnLoop(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32, fua: Bool,
                                  waiter: ClientWaiter) {
        assumeIsolated { $0.submit(v, operation, offset: offset, length: length, fua: fua, waiter: waiter) }
    }

    func admin(_ v: UInt16, _ command: AdminCommand) async -> AdminResult {
        guard !stopped, volumes[v] != nil else { return .refused("\(config.name) is down") }
        let id = AdminRequestID(nextAdminID)
        nextAdminID += 1
        return await withCheckedContinuation { continuation in
            volumes[v]!.admin[id] = continuation
            step(v, .admin(command, id: id))
        }
    }

    /// Runs an admin command on every volume; the first refusal is the answer.
    func adminAll(_ command: AdminCommand) async -> AdminResult {
        for v in volumes.keys.sorted() {
            let result = await admin(v, command)
            if case .refused = result { return result }
        }
        return .done
    }

    func exportOpened(_ v: UInt16) {
        volumes[v]?.openExports += 1
        volumes[v]?.writers += 1
        if let w = volumes[v]?.writers { step(v, .writersChanged(count: w)) }
        onChange()
    }

    func exportClosed(_ v: UInt16) {
        guard let w = volumes[v]?.writers, w > 0 else { return }
        volumes[v]!.openExports -= 1
        volumes[v]!.writers = w - 1
        step(v, .writersChanged(count: w - 1))
        onChange()
    }

    /// How long an open waits for a Primary peer to demote (`auto-promote-timeout`).
    var autoPromoteTimeout: Duration { .milliseconds(config.options.autoPromoteTimeoutTenths * 100) }

    /// Why a new writer may not open the volume here, or nil when it may.
    func writerRefusal(_ v: UInt16) -> String? {
        guard let instance = volumes[v]?.instance else { return "\(config.name) is down" }
        let status = instance.status
        if status.resource.role == .primary { return nil }
        if let primary = status.connections.first(where: { $0.peerRole == .primary }) {
            return "\(config.name) is Primary on \(primary.peerName) (node \(primary.peer)); one writer at a time: close it there or run `tandem adm secondary \(config.name)` on \(primary.peerName)"
        }
        return nil
    }

    func sizeBytes(_ v: UInt16) -> UInt64? { volumes[v]?.sizeBytes }

    func localReadPath(_ v: UInt16) -> LocalReadPath? { readPaths[v] }
}
