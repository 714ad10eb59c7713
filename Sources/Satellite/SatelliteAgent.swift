import EngineAdmin
import EngineAdminClient
import EngineConfig
import Logging
import SatelliteCore
import StorageProviders
import TandemModel

/// The satellite's brain in the shell: keeps the latest desired state, reconciles the node with
/// it (observe → plan → execute), retries what failed with back-off, and streams the node's
/// actual state to the controller session currently attached.
actor SatelliteAgent {
    struct Settings: Sendable {
        var stateDirectory: String
        var engineLayout: EngineStateLayout
        /// Address the engine listens on for replication links (this node's address).
        var replicationHost: String
        /// The engine's event stream (`tandem adm events`) says when something changed; status is
        /// then read at most this often (a resync changes its progress every tick)…
        var statusMinInterval: Duration = .milliseconds(500)
        /// …and without any event at least this often (a bounded fallback in case an event is
        /// missed), or `statusInterval` while the stream is down.
        var statusFallbackInterval: Duration = .seconds(10)
        var statusInterval: Duration = .seconds(1)
        /// Redial back-off for the event stream.
        var eventsRetryMin: Duration = .milliseconds(500)
        var eventsRetryMax: Duration = .seconds(10)
        /// Pools and backing volumes are read this often: no event says a thin volume took more
        /// space as data was written, so this bounds how stale `volume list`'s allocated size and
        /// the pools' free space can be (one statvfs/stat per pool and volume for FILE pools, one
        /// vgs/lvs or zfs list per pool otherwise).
        var storageRefreshInterval: Duration = .seconds(2)
        /// Even without a change, re-plan this often to notice drift (a deleted file, a stopped engine).
        var driftCheckInterval: Duration = .seconds(15)
        var retryDelayMin: Duration = .seconds(1)
        var retryDelayMax: Duration = .seconds(30)
    }

    typealias Sink = @Sendable (NodeActualState) async -> Void

    let settings: Settings
    let engine: EngineAdminClient
    let ledgerStore: LedgerStore
    let executor: StepExecutor
    let log: Logger
    let clock = ContinuousClock()

    private var ledger: OwnershipLedger
    private var desired: NodeDesiredState?
    private var desiredSession: Int?
    private var providers: [String: any StorageProvider] = [:]
    private var dirty = false
    private var nextReconcile: ContinuousClock.Instant?
    private var retryDelay: Duration
    private var appliedGeneration: UInt64 = 0
    private var planProblems: [String: [String]] = [:]
    private var stepErrors: [String: [String]] = [:]
    private var syncErrors: [String: String] = [:]
    private var lastForcedSync: [String: ContinuousClock.Instant] = [:]
    private var nodeProblems: [String] = []
    private var storage = StorageSnapshot()
    private var engineReports: [String: ResourceReport] = [:]
    private var engineError: String?
    private var lastStorageRefresh: ContinuousClock.Instant?
    private var sink: (id: Int, send: Sink)?
    private var lastSent: NodeActualState?
    /// True while the engine's event stream is connected; then status is read on events.
    private var eventsLive = false
    /// An event arrived since the last status read.
    private var engineChanged = true

    init(settings: Settings, log: Logger) throws {
        self.settings = settings
        self.engine = EngineAdminClient(layout: settings.engineLayout)
        self.ledgerStore = LedgerStore(stateDirectory: settings.stateDirectory)
        self.executor = StepExecutor(layout: settings.engineLayout, engine: engine, ledgerStore: ledgerStore)
        self.ledger = try ledgerStore.load()
        self.retryDelay = settings.retryDelayMin
        self.log = log
    }

    // MARK: events from controller sessions

    /// A new desired state: always the node's complete state. Within one session an older
    /// generation than the one held is ignored (frames cannot overtake each other, so it is a
    /// controller bug); a new session is always believed, since a restarted controller (or one
    /// restored from a backup) may count generations from a lower number.
    func receive(_ state: NodeDesiredState, session: Int) {
        if let current = desired, desiredSession == session, state.generation < current.generation {
            log.notice("ignoring desired state generation \(state.generation); generation \(current.generation) is newer")
            return
        }
        desiredSession = session
        log.info("desired state generation \(state.generation): \(state.resources.count) resources, \(state.storagePools.count) pools")
        desired = state
        var fresh: [String: any StorageProvider] = providers
        for pool in state.storagePools { fresh[pool.name] = StorageProviders.make(pool) }
        providers = fresh
        dirty = true
        lastStorageRefresh = nil
    }

    /// A change to the desired state this session delivered (see `NodeDesiredDelta`). Returns
    /// why it cannot be applied, leaving the held state as it was.
    func receive(_ delta: NodeDesiredDelta, session: Int) -> DesiredDeltaError? {
        guard let current = desired, desiredSession == session else { return .noCompleteState(expected: delta.baseGeneration) }
        do {
            receive(try delta.applied(to: current), session: session)
            return nil
        } catch {
            return error
        }
    }

    /// A controller session became the one the satellite reports to; the previous one (if any)
    /// no longer gets reports. Its first report is sent even when nothing changed.
    func attach(id: Int, send: @escaping Sink) {
        sink = (id, send)
        lastSent = nil
    }

    func detach(id: Int) {
        if sink?.id == id { sink = nil }
    }

    // MARK: the loop

    func run() async {
        let events = Task { await self.watchEngineEvents() }
        defer { events.cancel() }
        var lastStatus: ContinuousClock.Instant?
        while !Task.isCancelled {
            let now = clock.now
            if desired != nil, dirty || (nextReconcile.map { now >= $0 } ?? false) {
                await reconcile()
                lastStatus = clock.now
            } else if statusDue(now: now, last: lastStatus) {
                engineChanged = false
                await refreshEngineStatus()
                await startInitialSyncsIfDue()
                lastStatus = clock.now
            }
            await refreshStorageIfDue(force: false)
            await report()
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Status is read when the event stream reported a change (at most every
    /// `statusMinInterval`), and otherwise every `statusFallbackInterval` — or every
    /// `statusInterval` while the stream is down.
    private func statusDue(now: ContinuousClock.Instant, last: ContinuousClock.Instant?) -> Bool {
        guard let last else { return true }
        let since = now - last
        if !eventsLive { return since >= settings.statusInterval }
        if engineChanged { return since >= settings.statusMinInterval }
        return since >= settings.statusFallbackInterval
    }

    /// Keeps a subscription to the engine's event stream; every event marks the engine state
    /// as changed. Redials with back-off when the engine is not there or restarts.
    private func watchEngineEvents() async {
        var delay = settings.eventsRetryMin
        while !Task.isCancelled {
            do {
                for try await _ in engine.events() {
                    if !eventsLive { eventsLive = true; delay = settings.eventsRetryMin; log.info("following the engine's event stream; status is read on change (fallback every \(settings.statusFallbackInterval))") }
                    engineChanged = true
                }
            } catch {
                if eventsLive { log.notice("engine event stream ended (\(error)); reading status every \(settings.statusInterval) until it is back") }
            }
            eventsLive = false
            engineChanged = true
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, settings.eventsRetryMax)
        }
    }

    private func reconcile() async {
        guard let desired else { return }
        dirty = false
        let generation = desired.generation
        let rendering = NodeRendering(nodeName: desired.nodeName, replicationHost: settings.replicationHost, providers: providers)
        let planned = rendering.planned(desired)

        await refreshEngineStatus()
        await refreshStorageIfDue(force: true, planned: planned)
        var observed = Observation(
            poolProblems: storage.poolProblems,
            definedPools: Set(desired.storagePools.map(\.name)),
            backingVolumes: storage.volumes.mapValues(\.sizeKiB),
            resourceFiles: storage.resourceFiles,
            engineRunning: Set(engineReports.keys),
            ledger: ledger)
        observed.ledger = ledger
        let plan = ReconcilePlanner.plan(desired: planned, observed: observed)
        if plan.problems != planProblems {
            for (resource, problems) in plan.problems.sorted(by: { $0.key < $1.key }) {
                for problem in problems { log.warning("\(resource): \(problem)") }
            }
        }
        planProblems = plan.problems

        var failed: Set<String> = []
        var errors: [String: [String]] = [:]
        for step in plan.steps where !failed.contains(step.resource) {
            log.info("\(step)")
            var working = ledger
            defer { ledger = working }
            do {
                try await executor.run(step, ledger: &working, providers: providers)
            } catch {
                failed.insert(step.resource)
                let message = "\(step) failed: \(error)"
                errors[step.resource, default: []].append(message)
                log.error("\(message)")
            }
        }
        stepErrors = errors
        appliedGeneration = generation
        if !plan.steps.isEmpty {
            await refreshEngineStatus()
            await refreshStorageIfDue(force: true, planned: planned)
        }
        if failed.isEmpty && plan.problems.isEmpty {
            retryDelay = settings.retryDelayMin
            nextReconcile = clock.now + settings.driftCheckInterval
        } else {
            nextReconcile = clock.now + retryDelay
            log.notice("retrying \((failed.union(plan.problems.keys)).sorted().joined(separator: ", ")) in \(retryDelay)")
            retryDelay = min(retryDelay * 2, settings.retryDelayMax)
        }
    }

    /// Brand-new resources whose replicas are all Inconsistent get one forced sync source (see
    /// `InitialSync`); a resource leaves the pending set once it was UpToDate here.
    private func startInitialSyncsIfDue() async {
        guard let desired else { return }
        for name in ledger.initialSyncPending.sorted() {
            guard let report = engineReports[name], let resource = desired.resources.first(where: { $0.name == name }) else { continue }
            let myDisks = report.volumes.map(\.disk)
            if !myDisks.isEmpty, myDisks.allSatisfy({ $0 == "UpToDate" }) || resource.diskless {
                var updated = ledger
                updated.initialSyncPending.remove(name)
                let store = ledgerStore, saved = updated
                do { try await onStorageQueue { try store.save(saved) }; ledger = updated } catch { log.error("\(error)") }
                continue
            }
            let peers = resource.peers.map { p -> InitialSync.Peer in
                let c = report.connections.first { $0.peerNodeId == p.nodeId }
                return InitialSync.Peer(nodeId: p.nodeId, diskless: p.diskless, connected: c?.connection == "Connected",
                                        disks: c?.peerVolumes.map(\.peerDisk) ?? [])
            }
            guard InitialSync.shouldForce(pending: true, myNodeId: resource.nodeId, myDisks: myDisks, peers: peers) else { continue }
            if let last = lastForcedSync[name], clock.now - last < .seconds(10) { continue }
            lastForcedSync[name] = clock.now
            log.info("\(name): every replica is new and Inconsistent; this node (id \(resource.nodeId)) becomes the initial sync source")
            do {
                try await engine.primary(name, force: true)
                try await engine.secondary(name)
                syncErrors[name] = nil
            } catch {
                syncErrors[name] = "starting the initial sync of \(name) (primary --force, then secondary) failed: \(error)"
                log.error("\(syncErrors[name]!)")
            }
        }
    }

    private func refreshEngineStatus() async {
        do {
            let reports = try await engine.status()
            engineReports = Dictionary(reports.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            engineError = nil
        } catch {
            // The engine runs on without us; while it cannot be asked, nothing is known to run.
            engineReports = [:]
            engineError = "\(error)"
        }
    }

    private func refreshStorageIfDue(force: Bool, planned: [PlannedResource]? = nil) async {
        let now = clock.now
        if !force, let last = lastStorageRefresh, now - last < settings.storageRefreshInterval { return }
        guard let desired else { return }
        lastStorageRefresh = now
        let known = self.providers
        let pools = desired.storagePools.compactMap { p in known[p.name].map { (p, $0) } }
        let planned = planned ?? NodeRendering(nodeName: desired.nodeName, replicationHost: settings.replicationHost, providers: known).planned(desired)
        let keys = Array(Set(planned.flatMap { $0.volumes.compactMap(\.backing) } + ledger.volumes.keys)).sorted()
        let providers = known
        let layout = settings.engineLayout
        let snapshot = try? await onStorageQueue {
            NodeObserver.snapshot(pools: pools, volumes: keys, providers: providers, layout: layout, readFiles: true)
        }
        if let snapshot { storage = snapshot; nodeProblems = snapshot.problems }
    }

    // MARK: reporting

    private func report() async {
        guard let sink, desired != nil else { return }
        let state = actualState()
        guard state != lastSent else { return }
        lastSent = state
        await sink.send(state)
    }

    func actualState() -> NodeActualState {
        guard let desired else { return NodeActualState(appliedGeneration: 0, storagePools: [], resources: []) }
        var names = Set(desired.resources.map(\.name)).union(ledger.resources)
        names.formUnion(planProblems.keys)
        let byName = Dictionary(desired.resources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let resources = names.sorted().map { name in
            ActualStateBuilder.resource(
                name: name, desired: byName[name], report: engineReports[name], engineError: engineError,
                volumes: storage.volumes,
                errors: nodeProblems + (planProblems[name] ?? []) + (stepErrors[name] ?? []) + (syncErrors[name].map { [$0] } ?? []))
        }
        return NodeActualState(appliedGeneration: appliedGeneration, storagePools: storage.pools.sorted { $0.name < $1.name }, resources: resources)
    }
}
