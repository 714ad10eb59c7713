import ControllerCore
import Foundation
import Logging
import Synchronization
import TandemModel

/// The controller's single source of truth: the cluster in memory, its database, and one
/// satellite session per node. Every mutating request runs `mutate`: the operation works on a
/// copy of the state, the copy's journal is written in one transaction, and only then does the
/// copy become the state and the affected nodes get a new desired-state generation.
public actor ClusterController {
    public struct Options: Sendable {
        /// How long resource create/autoplace/spawn wait for the satellites to apply the change.
        public var applyWait: Duration
        public init(applyWait: Duration = .seconds(2)) { self.applyWait = applyWait }
    }

    /// The result of a mutating request: what to answer, and which node generations it created.
    public struct Outcome: Sendable {
        public var rcs: [ApiCallRc]
        public var generations: [String: UInt64]
        public var failed: Bool { rcs.contains(where: \.isError) }
    }

    private(set) var state: ClusterState
    let store: ControllerStore
    let connector: any SatelliteConnector
    let options: Options
    let logger: Logger
    private var runtimes: [String: NodeRuntime] = [:]
    /// Desired resources per node between pushes (a push rebuilds only what changed).
    private var desiredCache = DesiredStateCache()
    /// The state and node runtimes as of the last change, for reads: a GET never queues behind
    /// the actor's work (100 satellites connecting after a restart, a long placement).
    private let published: Mutex<Published>
    /// What reads see. `revision` grows with every publish, so a reader that sees the revision it
    /// saw before knows the state and runtimes are exactly those it saw (the view reuses its
    /// whole answer then).
    struct Published {
        var state: ClusterState
        var runtimes: [String: NodeRuntime]
        var revision: UInt64
    }
    private var sessions: [String: SessionHandle] = [:]
    private var waiters: [Int: ApplyWaiter] = [:]
    private var nextWaiterId = 0
    private var nextSessionId = 0
    /// Generations start at the start time in µs, so a restarted controller never reuses one a
    /// satellite has already applied.
    private var nextGeneration: UInt64

    struct SessionHandle {
        var session: any SatelliteSession
        var id: Int
        var address: String
        var port: Int
        var reader: Task<Void, Never>
    }

    struct ApplyWaiter {
        var targets: [String: UInt64]
        var continuation: CheckedContinuation<Void, Never>
    }

    public init(store: ControllerStore, connector: any SatelliteConnector, options: Options = Options(), logger: Logger = Logger(label: "tandem.controller")) throws {
        self.store = store
        self.connector = connector
        self.options = options
        self.logger = logger
        var loaded = try store.load()
        loaded.ensureDefaults(ctx: Self.context())
        let (changes, _) = loaded.takeJournal()
        try store.write(changes)
        state = loaded
        published = Mutex(Published(state: loaded, runtimes: [:], revision: 0))
        nextGeneration = UInt64(Date().timeIntervalSince1970 * 1_000_000)
    }

    /// Makes the current state and runtimes what reads see.
    private func publish() {
        let (state, runtimes) = (state, runtimes)
        published.withLock { $0 = Published(state: state, runtimes: runtimes, revision: $0.revision + 1) }
    }

    static func context() -> OperationContext {
        OperationContext(nowMillis: Int64(Date().timeIntervalSince1970 * 1000), makeUUID: { UUID().uuidString.lowercased() }, makeSecret: randomSecret)
    }

    @Sendable static func randomSecret() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var rng = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }

    // MARK: lifecycle

    /// Opens a session to every node that runs a satellite.
    public func start() {
        for key in state.nodes.keys.sorted() { syncSession(key) }
        publish()
    }

    /// Closes every session (SIGTERM). The database needs nothing: every change is committed.
    public func stop() {
        for key in Array(sessions.keys) { closeSession(key) }
        for (_, w) in waiters { w.continuation.resume() }
        waiters = [:]
    }

    // MARK: reads

    /// A consistent copy of the cluster and the live node states, for rendering outside the
    /// actor. Nonisolated: it reads what the actor last published and never waits for it.
    public nonisolated func snapshot() async -> (state: ClusterState, runtimes: [String: NodeRuntime]) {
        published.withLock { ($0.state, $0.runtimes) }
    }

    /// The same with the revision it was published as.
    nonisolated func revisedSnapshot() -> Published {
        published.withLock { $0 }
    }

    public func liveViews() -> [String: NodeLiveView] { runtimes.mapValues(\.liveView) }

    // MARK: writes

    /// Runs one mutating request: all of it or nothing.
    public func mutate(_ op: @Sendable (inout ClusterState, OperationContext, [String: NodeLiveView]) throws(ApiError) -> [ApiCallRc]) -> Outcome {
        var draft = state
        let rcs: [ApiCallRc]
        do {
            rcs = try op(&draft, Self.context(), runtimes.mapValues(\.liveView))
        } catch {
            return Outcome(rcs: error.rcs, generations: [:])
        }
        let (changes, touched) = draft.takeJournal()
        do {
            try store.write(changes)
        } catch {
            logger.error("database write failed, request rolled back: \(error)")
            return Outcome(rcs: [.error(.none, .none, .unknownError, "The change could not be saved in the controller database; nothing was changed.",
                                        cause: String(describing: error))], generations: [:])
        }
        state = draft
        desiredCache.invalidate(after: changes)
        var generations: [String: UInt64] = [:]
        for key in touched.sorted() {
            if let g = syncSession(key) { generations[key] = g }
        }
        publish()
        return Outcome(rcs: rcs, generations: generations)
    }

    /// Waits (at most `options.applyWait`) until every node in `generations` reports it applied
    /// its generation. Returns one warning per node that has not, saying why.
    public func awaitApplied(_ generations: [String: UInt64]) async -> [ApiCallRc] {
        if !pendingNodes(generations).isEmpty {
            nextWaiterId += 1
            let id = nextWaiterId
            let wait = options.applyWait
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                waiters[id] = ApplyWaiter(targets: generations, continuation: c)
                checkWaiters()
                if waiters[id] != nil {
                    Task { [weak self] in
                        try? await Task.sleep(for: wait)
                        await self?.expireWaiter(id)
                    }
                }
            }
        }
        return pendingNodes(generations).map { key in
            let name = state.nodes[key]?.name ?? key
            let why: String
            switch runtimes[key]?.link ?? .none {
            case .online: why = "its satellite has not confirmed the change within \(options.applyWait)"
            case .versionMismatch(let v, let reason): why = "its satellite (version \(v)) is incompatible: \(reason)"
            case .offline(let reason): why = "it is offline (\(reason)); the change is applied when it reconnects"
            case .connecting, .none: why = "it is not connected yet; the change is applied when it connects"
            }
            return .warning(.create, .resource, .warnNotConnected, "Node '\(name)': change not applied yet, \(why).", objRefs: ["Node": name])
        }
    }

    /// Nodes that have not applied their generation. Offline nodes count as pending at once
    /// (nobody waits for them), online ones until they report.
    func pendingNodes(_ generations: [String: UInt64]) -> [String] {
        generations.keys.sorted().filter { key in
            guard let rt = runtimes[key] else { return false }
            if case .none = rt.link { return false }
            return rt.appliedGeneration < generations[key]!
        }
    }

    private func checkWaiters() {
        for (id, w) in waiters {
            let stillWaiting = w.targets.contains { key, gen in
                guard let rt = runtimes[key], rt.isOnline else { return false }
                return rt.appliedGeneration < gen
            }
            if !stillWaiting {
                waiters[id] = nil
                w.continuation.resume()
            }
        }
    }

    private func expireWaiter(_ id: Int) {
        waiters.removeValue(forKey: id)?.continuation.resume()
    }

    // MARK: sessions

    /// Brings a node's session in line with its record (open, reopen on address change, close on
    /// delete) and hands an online node its new desired state. Returns the new generation.
    @discardableResult
    private func syncSession(_ key: String) -> UInt64? {
        guard let node = state.nodes[key] else {
            closeSession(key)
            runtimes[key] = nil
            return nil
        }
        guard node.type.runsSatellite, let nif = node.activeInterface else {
            closeSession(key)
            var rt = runtimes[key] ?? NodeRuntime(desiredGeneration: 0)
            rt.link = .none
            runtimes[key] = rt
            return nil
        }
        nextGeneration += 1
        let generation = nextGeneration
        runtimes[key, default: NodeRuntime(desiredGeneration: generation)].desiredGeneration = generation
        let port = nif.satellitePort ?? ClusterDefaults.satellitePortPlain
        if let s = sessions[key], s.address == nif.address, s.port == port {
            if runtimes[key]?.isOnline == true, let desired = desiredCache.desiredState(of: state, forNode: key, generation: generation) {
                s.session.push(desired)
            }
        } else {
            closeSession(key)
            openSession(key, name: node.name, address: nif.address, port: port)
        }
        return generation
    }

    private func openSession(_ key: String, name: String, address: String, port: Int) {
        nextSessionId += 1
        let id = nextSessionId
        runtimes[key, default: NodeRuntime(desiredGeneration: nextGeneration)].link = .connecting
        let session = connector.open(node: name, address: address, port: port)
        let reader = Task { [weak self] in
            for await event in session.events {
                guard let self else { return }
                await self.handle(event, key: key, sessionId: id)
            }
        }
        sessions[key] = SessionHandle(session: session, id: id, address: address, port: port, reader: reader)
    }

    private func closeSession(_ key: String) {
        guard let s = sessions.removeValue(forKey: key) else { return }
        s.session.close()
        s.reader.cancel()
    }

    private func handle(_ event: SatelliteEvent, key: String, sessionId: Int) {
        guard let s = sessions[key], s.id == sessionId, var rt = runtimes[key] else { return }
        switch event {
        case .connected(let version):
            rt.link = .online(satelliteVersion: version)
            runtimes[key] = rt
            // Every (re)connect gets the full desired state; changes made while the node was
            // away are in it.
            if let desired = desiredCache.desiredState(of: state, forNode: key, generation: rt.desiredGeneration) { s.session.push(desired) }
            logger.info("satellite \(state.nodes[key]?.name ?? key) online (version \(version))")
        case .incompatibleVersion(let version, let reason):
            rt.link = .versionMismatch(satelliteVersion: version, reason: reason)
            runtimes[key] = rt
            logger.warning("satellite \(state.nodes[key]?.name ?? key): version mismatch: \(reason)")
        case .disconnected(let reason):
            if rt.link != .offline(reason: reason) { logger.info("satellite \(state.nodes[key]?.name ?? key) offline: \(reason)") }
            rt.link = .offline(reason: reason)
            runtimes[key] = rt
        case .actualState(let actual):
            rt.absorb(actual, nowMillis: Int64(Date().timeIntervalSince1970 * 1000))
            runtimes[key] = rt
        }
        publish()
        checkWaiters()
    }
}
