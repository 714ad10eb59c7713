import EngineAdmin
import EngineConfig
import EngineFiles
import Logging
import NBDServer
import NIOCore
import NIOPosix
import ReplicationCore

/// The engine's resources by name: brings them up from their files, takes them down, answers
/// admin requests and feeds the event stream. A resource whose file or metadata is bad stays
/// down with its error in `status`, and the others run.
actor EngineSupervisor {
    let layout: EngineStateLayout
    let store: ResourceFileStore
    let registry: NBDExportRegistry
    let nbdSocketPath: String?
    let group: any EventLoopGroup
    let logger: Logger
    var resources: [String: ResourceRuntime] = [:]
    /// Resources that could not be brought up, with the error (names the file).
    var failures: [String: BringUpFailure] = [:]
    var subscribers: [UInt64: Subscriber] = [:]
    var nextSubscriberID: UInt64 = 1
    var lastReports: [ResourceReport] = []
    var changePending = false
    /// Local block devices registered by `tandem adm attach` (EngineSupervisor+Devices.swift).
    var deviceHolds: [UInt64: DeviceHold] = [:]
    var nextDeviceHoldID: UInt64 = 1
    /// Resources the engine is still bringing up (EngineSupervisor+ComingUp.swift): queued by
    /// `startAll`, being brought up by an `up` right now, or restarting in an `adjust`.
    var queuedAtStart: Set<String> = []
    var bringingUp: Set<String> = []
    var restarting: Set<String> = []
    /// How long an admin request naming a resource that is still coming up waits for it.
    let comingUpWaitMax: Duration
    /// Runs before each bring-up; tests hold a bring-up here to see what requests meanwhile get.
    let beforeBringingUp: @Sendable (String) async -> Void
    /// Where the resources' disk I/O runs (`ResourceRuntime.ioThreadPool`).
    let ioThreadPool: NIOThreadPool

    struct Subscriber {
        let resource: String?
        /// `events --statistics`: lines carry the counters.
        let statistics: Bool
        let continuation: AsyncStream<EngineEvent>.Continuation
    }

    /// An event consumer that falls this far behind loses its oldest events rather than the
    /// engine's memory growing without bound.
    static let subscriberBufferMax = 4096

    init(layout: EngineStateLayout, registry: NBDExportRegistry, nbdSocketPath: String?, group: any EventLoopGroup, logger: Logger,
         comingUpWaitMax: Duration = .seconds(30), beforeBringingUp: @escaping @Sendable (String) async -> Void = { _ in },
         ioThreadPool: NIOThreadPool = .singleton) {
        self.layout = layout; self.store = ResourceFileStore(layout: layout); self.registry = registry
        self.nbdSocketPath = nbdSocketPath; self.group = group; self.logger = logger
        self.comingUpWaitMax = comingUpWaitMax; self.beforeBringingUp = beforeBringingUp; self.ioThreadPool = ioThreadPool
    }

    // MARK: bring up / take down

    /// At engine start: every resource file in the folder, in name order. The admin socket is
    /// already open, so requests naming a resource not up yet wait for it (`settle`) instead of
    /// being told it does not exist; one that an admin `up` or `down` took over meanwhile is
    /// left to that request.
    func startAll() async {
        let names: [String]
        do { names = try store.resourceNames() } catch {
            logger.error("cannot list \(layout.resourcesDirectory): \(error)")
            return
        }
        queuedAtStart.formUnion(names)
        for name in names where queuedAtStart.contains(name) {
            if let error = await up(name) { logger.error("\(error)") }
        }
    }

    /// nil on success, else the error for the operator.
    func up(_ name: String) async -> String? {
        if resources[name] != nil { return nil }
        if bringingUp.contains(name) {
            // Another request is bringing it up (the engine's start, a second `up`): a second
            // runtime would race the first for the port and the metadata. Its outcome is ours.
            guard await settle(name, onlyBringUp: true) else { return stillComingUp(name) }
            return resources[name] != nil ? nil : failures[name]?.reason ?? "\(name) went down while it was being brought up"
        }
        queuedAtStart.remove(name)
        bringingUp.insert(name)
        defer { bringingUp.remove(name) }
        await beforeBringingUp(name)
        let config: ResourceConfig
        do { config = try store.load(name) } catch {
            failures[name] = BringUpFailure(reason: error.description, config: nil)
            noteChange()
            return error.description
        }
        let runtime = ResourceRuntime(config: config, layout: layout, group: group, logger: logger, ioThreadPool: ioThreadPool) { [weak self] in
            guard let self else { return }
            Task { await self.noteChange() }
        }
        do {
            try await runtime.start()
        } catch {
            await runtime.stop()
            failures[name] = BringUpFailure(reason: "\(error)", config: config)
            noteChange()
            return "\(error)"
        }
        failures[name] = nil
        resources[name] = runtime
        for volume in config.volumes {
            let v = UInt16(volume.number)
            registry.register(NBDExportName(resource: name, volume: volume.number),
                              VolumeExportSource(runtime: runtime, volume: v, sizeBytes: volume.size.rawValue, requestBytesMax: 4 << 20))
        }
        noteChange()
        return nil
    }

    /// Takes `name` down; its stop waits for I/O in flight until `deadline` at most
    /// (`ResourceRuntime.stop`).
    func down(_ name: String, until deadline: ContinuousClock.Instant = .now + ResourceRuntime.stopSettleMax) async {
        // Taken down before the engine's start got to it: it stays down. One being brought up
        // right now is taken down once it is (bounded: a hung bring-up leaves it to a later down).
        queuedAtStart.remove(name)
        _ = await settle(name, onlyBringUp: true)
        // A failed bring-up's error leaves `status` with it (and the event stream says so).
        if failures.removeValue(forKey: name) != nil { noteChange() }
        guard let runtime = resources.removeValue(forKey: name) else { return }
        endDeviceHolds(of: name, reason: "\(name) went down in the engine; its NBD export is gone")
        for volume in await runtime.config.volumes { registry.unregister(NBDExportName(resource: name, volume: volume.number)) }
        await runtime.stop(until: deadline)
        noteChange()
    }

    /// Takes every resource down at once, against one deadline: one after another, an engine
    /// with many resources with I/O in flight waited for each in turn.
    func stopAll(within budget: Duration = ResourceRuntime.stopSettleMax) async {
        queuedAtStart = []  // a start still in progress brings up nothing more
        let deadline = ContinuousClock.now + budget
        await withTaskGroup(of: Void.self) { group in
            for name in Set(resources.keys).union(bringingUp).sorted() {
                group.addTask { await self.down(name, until: deadline) }
            }
        }
        for s in subscribers.values { s.continuation.finish() }
        subscribers = [:]
    }

    /// Re-reads the file and applies a change in place (peers, options: volumes stay up and NBD
    /// clients connected); only a change of identity, address or volumes restarts the resource.
    func adjust(_ name: String) async -> String? {
        guard let runtime = resources[name] else { return await up(name) }
        let config: ResourceConfig
        do { config = try store.load(name) } catch { return "\(error); the running configuration is kept" }
        let running = await runtime.config
        if config == running { return nil }
        guard let why = await runtime.reconfigure(config) else {
            noteChange()
            return nil
        }
        logger.notice("\(name): \(why); restarting the resource to apply \(layout.resourceFilePath(name))")
        // Requests meanwhile wait for the restart rather than find the resource gone.
        restarting.insert(name)
        defer { restarting.remove(name) }
        await down(name)
        return await up(name)
    }

    /// `adjust` with no name: takes down what has no file any more (running, or kept only as
    /// the error of a failed bring-up, which would otherwise stay in `status` naming a file that
    /// is gone), and adjusts the rest.
    func adjustAll() async -> [String] {
        let names: [String]
        switch listResourceFiles() {
        case .success(let listed): names = listed
        case .failure(let error): return [error.description]
        }
        var errors: [String] = []
        for name in Set(resources.keys).union(failures.keys).subtracting(names).sorted() { await down(name) }
        for name in names { if let e = await adjust(name) { errors.append(e) } }
        return errors
    }

    /// The resource files' names. A folder that cannot be listed is an error that changes
    /// nothing: read as empty, `adjust` would take every resource down.
    func listResourceFiles() -> Result<[String], EngineError> {
        do { return .success(try store.resourceNames()) } catch {
            return .failure(EngineError("cannot list the resource files in \(layout.resourcesDirectory): \(error); nothing was changed"))
        }
    }

    // MARK: admin

    func handle(_ request: AdminRequest) async -> AdminResponse {
        // Another admin protocol version is refused when the line is decoded
        // (AdminRequest+Decoding.swift), for the streaming verbs as for these.
        if let name = request.resource, !ResourceConfig.isValidName(name) {
            return .failure("'\(name)' is not a valid resource name")
        }
        switch request.verb {
        case .up, .adjust:
            let names: [String]
            if let name = request.resource { names = [name] } else {
                switch listResourceFiles() {
                case .success(let listed): names = listed
                case .failure(let error): return .failure(error.description)
                }
            }
            if request.resource == nil, request.verb == .adjust {
                let errors = await adjustAll()
                return errors.isEmpty ? AdminResponse(ok: true, resources: await reports(nil)) : .failure(errors.joined(separator: "\n"))
            }
            if let name = request.resource, !AtomicFile.exists(layout.resourceFilePath(name)) {
                return .failure("no resource file \(layout.resourceFilePath(name)); write it first (see docs/resource-files.md)")
            }
            var errors: [String] = []
            for name in names {
                let e = request.verb == .up ? await up(name) : await adjust(name)
                if let e { errors.append(e) }
            }
            return errors.isEmpty ? AdminResponse(ok: true, resources: await reports(request.resource)) : .failure(errors.joined(separator: "\n"))
        case .down:
            let names = request.resource.map { [$0] } ?? Set(resources.keys).union(comingUp).union(failures.keys).sorted()
            for name in names { await down(name) }
            return AdminResponse(ok: true)
        case .status:
            if let name = request.resource, !(await settle(name)) { return .failure(stillComingUp(name)) }
            if let name = request.resource, resources[name] == nil, failures[name] == nil {
                return .failure(notUp(name))
            }
            return AdminResponse(ok: true, resources: await reports(request.resource))
        case .events:
            return .failure("events is a stream; the admin server handles it")
        case .attachDevice:
            return .failure("attach-device holds its connection; the admin server handles it")
        case .primary, .secondary, .connect, .disconnect, .invalidate, .verify:
            return await roleOrConnection(request)
        }
    }

    /// What to tell a request naming a resource that is neither up nor failed: with no file,
    /// "run `tandem adm up`" would only lead to a second refusal, so name the missing file.
    func notUp(_ name: String) -> String {
        let file = layout.resourceFilePath(name)
        return AtomicFile.exists(file)
            ? "\(name): no such resource is up; run `tandem adm up \(name)`"
            : "\(name): no resource file \(file); write it first (see docs/resource-files.md)"
    }

    private func roleOrConnection(_ request: AdminRequest) async -> AdminResponse {
        let command: AdminCommand
        switch request.verb {
        case .primary: command = .primary(force: request.force)
        case .secondary: command = .secondary
        case .connect: command = .connect(peer: nil, discardMyData: request.discardMyData)
        case .disconnect: command = .disconnect(peer: nil)
        case .invalidate: command = .invalidate
        default: command = .verify(peer: nil)
        }
        let names = request.resource.map { [$0] } ?? Set(resources.keys).union(comingUp).sorted()
        for name in names {
            guard await settle(name) else { return .failure(stillComingUp(name)) }
            guard let runtime = resources[name] else {
                return .failure(failures[name].map { $0.refusal(name: name) } ?? notUp(name))
            }
            if case .refused(let why) = await runtime.adminAll(command) { return .failure("\(name): \(why)") }
        }
        noteChange()
        return AdminResponse(ok: true, resources: await reports(request.resource))
    }

    func reports(_ resource: String?) async -> [ResourceReport] {
        var out: [ResourceReport] = []
        let names = Set(resources.keys).union(failures.keys).sorted()
        for name in names where resource == nil || resource == name {
            if let runtime = resources[name] {
                out.append(withDevicePaths(await runtime.report(nbdSocketPath: nbdSocketPath)))
            } else if let failure = failures[name] {
                out.append(failure.report(name: name))
            }
        }
        return out
    }

    // MARK: events

    /// Why an events stream naming `resource` is refused, or nil to stream it. A resource that
    /// is up, failed or coming up streams, and so does one whose file is there (it may be
    /// brought up later: the stream then shows its `create`). With no file and nothing under
    /// that name a mistyped name waited forever, and with `--now` printed only "exists -" and
    /// exited 0 as for a resource with nothing to show; `status` refuses the same name.
    func eventsRefusal(_ resource: String?) -> String? {
        guard let name = resource else { return nil }
        guard ResourceConfig.isValidName(name) else { return "'\(name)' is not a valid resource name" }
        if resources[name] != nil || failures[name] != nil || comingUp.contains(name) { return nil }
        return AtomicFile.exists(layout.resourceFilePath(name)) ? nil : notUp(name)
    }

    func subscribe(_ resource: String?, statistics: Bool = false) async -> AsyncStream<EngineEvent> {
        let (stream, continuation) = AsyncStream<EngineEvent>.makeStream(bufferingPolicy: .bufferingNewest(Self.subscriberBufferMax))
        let id = nextSubscriberID
        nextSubscriberID += 1
        let current = await reports(resource)
        for event in EventStream.dump(current, statistics: statistics) { continuation.yield(event) }
        subscribers[id] = Subscriber(resource: resource, statistics: statistics, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            Task { await self.unsubscribe(id) }
        }
        return stream
    }

    func unsubscribe(_ id: UInt64) { subscribers[id] = nil }

    /// Coalesces bursts of changes into one snapshot diff every 100 ms.
    func noteChange() {
        guard !changePending else { return }
        changePending = true
        Task {
            try? await Task.sleep(for: .milliseconds(100))
            await self.publish()
        }
    }

    func publish() async {
        changePending = false
        let now = await reports(nil)
        let old = lastReports
        lastReports = now
        // The same changes in both flavours; the one with counters only when someone asked.
        let plain = EventStream.diff(old: old, new: now)
        guard !plain.isEmpty else { return }
        let withCounters = subscribers.values.contains { $0.statistics } ? EventStream.diff(old: old, new: now, statistics: true) : []
        for s in subscribers.values {
            for e in s.statistics ? withCounters : plain where s.resource == nil || e.value("name") == s.resource { s.continuation.yield(e) }
        }
    }
}
