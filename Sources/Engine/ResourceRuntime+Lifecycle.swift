import EngineConfig
import EngineFiles
import NIOCore
import ReplicationCore

/// Bringing a resource up (disks, metadata files, core instances, listener, ticker, first
/// connect) and down (clean detach, links closed, waiting clients failed).
extension ResourceRuntime {
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
                backing = try BackingStore(path: disk, sizeBytes: volume.size.rawValue, threadPool: ioThreadPool)
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
            let instance = try await Self.makeInstanceOffLoop(replicaConfig, metadata: metadata,
                                                              resourceFile: layout.resourceFilePath(config.name))
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

    /// The core instance, made on the metadata threads like the load (`MetadataFile.loadOffLoop`):
    /// it takes in every bitmap word (a count of set bits, one word at a time) and allocates
    /// the bitmaps' bookkeeping, about a second for a 256 GiB volume in a debug build, and this
    /// actor's loop is the data loop every other resource's NBD connections and links share.
    static func makeInstanceOffLoop(_ config: ReplicaConfig, metadata: PersistedMetadata?,
                                    resourceFile: String) async throws(EngineError) -> ReplicaInstance {
        let seed = UInt64.random(in: 1...UInt64.max)
        let made: Result<ReplicaInstance, ReplicaConfigError>
        do {
            made = try await MetadataFile.threadPool.runIfActive {
                Result { () throws(ReplicaConfigError) in try ReplicaInstance(config: config, metadata: metadata, randomSeed: seed) }
            }
        } catch {
            throw EngineError("\(resourceFile): the engine is shutting down (\(error))")
        }
        switch made {
        case .success(let instance): return instance
        case .failure(let error): throw EngineError("\(resourceFile): \(error)")
        }
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

    /// Stops everything as `drbdadm down` does: demotes a Primary that no client holds open,
    /// disconnects, and detaches cleanly (metadata written without the "attached" and "primary"
    /// marks, so the next start is not treated as a crash), then closes links and the listener.
    ///
    /// Why the demotion and the waits: the core refuses to detach a Primary whose peers are gone
    /// (they are, after the disconnect), and refuses to demote or detach while I/O is in flight
    /// ("retry in a moment"). A stop that took the first answer left the metadata marked
    /// attached: every SIGTERM of an engine holding a Primary came back as a crashed Primary
    /// (resynced its activity log from a peer: 4 MiB after one 64 KiB write), and a SIGTERM just
    /// after a write as a crash (8 MiB resynced for a 2 MiB write in engine-faults). A Primary
    /// that clients still hold open stays Primary: its next start is a crashed Primary's, as it
    /// must be, since those clients' writes may have been cut.
    ///
    /// All of it waits until `deadline` at most (default `stopSettleMax` from now), for all
    /// volumes together: each volume used to wait up to 5 s to demote and 5 s to detach, one
    /// after another, so a stop of a resource with many busy volumes took minutes. The metadata
    /// writes of detaches accepted at the last moment get `metadataGrace` more.
    func stop(until deadline: ContinuousClock.Instant = .now + ResourceRuntime.stopSettleMax) async {
        guard !stopped else { return }
        if instancesStarted { await settleForStop(until: deadline) }
        let metadataDeadline = deadline + Self.metadataGrace
        while metadataWritesInFlight > 0, ContinuousClock.now < metadataDeadline { try? await Task.sleep(for: .milliseconds(10)) }
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

    /// The longest a stop waits for I/O in flight before it leaves volumes undemoted or attached
    /// (their next start resyncs the activity log, as after a crash).
    static let stopSettleMax: Duration = .seconds(10)
    /// How much longer than the stop's deadline the metadata writes of its detaches may take.
    static let metadataGrace: Duration = .seconds(2)

    /// The demotions, disconnects and detaches of `stop`, every volume at once. Says in the log
    /// what it waited for, and what it gave up on at `deadline`.
    func settleForStop(until deadline: ContinuousClock.Instant) async {
        let started = ContinuousClock.now
        var waitedFor: [UInt16: String] = [:]
        let all = volumes.keys.sorted()
        let demoting = all.filter { volumes[$0]?.instance.status.resource.role == .primary && volumes[$0]?.writers == 0 }
        _ = await untilSettled(demoting, .secondary, until: deadline, waitedFor: &waitedFor)
        // A volume that stays Primary (a client holds it open) says no goodbye: its peers see it
        // go as they would see a crash, which its next start is. A Primary's goodbye outdates
        // the Secondaries it leaves (DRBD's rule, ReplicaInstance+Goodbye.swift), and they must
        // stay promotable to take over from it.
        for v in all where volumes[v]?.instance.status.resource.role != .primary { _ = await admin(v, .disconnect(peer: nil)) }
        var detaching: [UInt16] = []
        for v in all where volumes[v]?.backing != nil {
            if volumes[v]?.instance.status.resource.role == .primary {
                let writers = volumes[v]?.writers ?? 0
                let why = writers > 0 ? "\(writers) client(s) hold it open" : "it could not be demoted (\(waitedFor[v] ?? "refused"))"
                logger.notice("\(config.name) volume \(v) stays Primary at shutdown: \(why); the next start treats it as a crashed Primary")
            } else {
                detaching.append(v)
            }
        }
        let refused = await untilSettled(detaching, .detach, until: deadline, waitedFor: &waitedFor)
        for (v, why) in refused.sorted(by: { $0.key < $1.key }) {
            logger.error("\(config.name) volume \(v) was not detached at shutdown (\(why)); the next start resyncs its activity log as after a crash")
        }
        if !waitedFor.isEmpty {
            let what = waitedFor.sorted { $0.key < $1.key }.map { "volume \($0.key) (\($0.value))" }.joined(separator: ", ")
            logger.notice("\(config.name): the stop waited \(ContinuousClock.now - started) for I/O in flight: \(what)")
        }
    }

    /// Runs `command` on each of `volumes` until the core no longer refuses it or `deadline`
    /// passes (each is tried at least once); returns the volumes still refusing, with why. Only
    /// for a command nothing lasting stands in the way of (see `stop`): a refusal then means
    /// I/O is still in flight, and completions keep arriving while this waits (the actor is
    /// free). `waitedFor` keeps each volume's last refusal, for the log.
    func untilSettled(_ volumes: [UInt16], _ command: AdminCommand, until deadline: ContinuousClock.Instant,
                      waitedFor: inout [UInt16: String]) async -> [UInt16: String] {
        var pending = volumes
        while true {
            var refused: [UInt16: String] = [:]
            for v in pending {
                if case .refused(let why) = await admin(v, command) { refused[v] = why; waitedFor[v] = why }
            }
            pending = pending.filter { refused[$0] != nil }
            guard !pending.isEmpty, ContinuousClock.now < deadline else { return refused }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
