import Dispatch
import EngineConfig
import EngineFiles
import Glibc
import Logging
import NBDServer
import NIOCore
import NIOPosix

/// `tandem engine`: brings up every resource in its state folder by itself, serves the admin
/// socket and the NBD exports, and runs until SIGTERM/SIGINT, when it takes every resource down
/// cleanly (metadata written, so the next start is not treated as a crash).
public enum EngineDaemon {
    public struct Options: Sendable {
        public var stateDirectory: String
        public var nbdSocketPath: String
        /// "HOST:PORT" to also serve NBD over TCP, nil for the unix socket only.
        public var nbdTCP: EndpointAddress?
        /// The longest busy-poll of the NBD connections before the data loop sleeps, in µs
        /// (adaptive up to this; 0: never poll). See `NBDLoopIdlePoll`.
        public var nbdIdlePollMicroseconds: Int
        public init(stateDirectory: String, nbdSocketPath: String, nbdTCP: EndpointAddress? = nil,
                    nbdIdlePollMicroseconds: Int = EngineDaemon.defaultNBDIdlePollMicroseconds) {
            self.stateDirectory = stateDirectory; self.nbdSocketPath = nbdSocketPath; self.nbdTCP = nbdTCP
            self.nbdIdlePollMicroseconds = nbdIdlePollMicroseconds
        }
    }

    /// Long enough for a queue-depth-1 client's next request on a VM, where the reply's wake-up
    /// of the client's vCPU alone takes 25-35 µs (perf sched, 2 vCPUs, nested virtualization).
    public static let defaultNBDIdlePollMicroseconds = 100
    /// The largest --nbd-poll-us accepted: beyond it a poll delays the loop's other work too long.
    public static let maxNBDIdlePollMicroseconds = 1000

    /// The process-wide settings `run` relies on, made on the main thread before any other
    /// thread exists (`tandem engine` calls it from `prepareProcess`).
    public static func prepareProcess() {
        EngineHeap.limitArenas()
    }

    public static func run(_ options: Options, logger: Logger) async throws {
        let layout = EngineStateLayout(stateDirectory: options.stateDirectory)
        for dir in [layout.resourcesDirectory, layout.metadataDirectory, layout.runDirectory, parent(options.nbdSocketPath)] {
            do { try AtomicFile.makeDirectories(dir) } catch { throw EngineError("cannot create \(dir): \(error)") }
        }
        let group = MultiThreadedEventLoopGroup.singleton
        // Every NBD connection, resource runtime and replication link runs on this one event
        // loop. With the whole group, a connection and its resource's runtime landed on the same
        // loop or not by round robin: when not, each request paid two thread hand-offs (in, and
        // the reply out), two more wake-ups of the request's critical path. Measured with fio at
        // queue depth 1: p50 93 µs and 113 µs of engine CPU per 4 KiB write on two loops, 20 µs and
        // 27 µs on one (1 replica); a benchmark run got either at random. Disk I/O that is not
        // inline still runs on the thread pool.
        let dataLoop = group.next()
        let registry = NBDExportRegistry()
        var nbdConfig = NBDConnectionStateMachine.Configuration()
        nbdConfig.limits = .init(payloadMax: 4 << 20)
        let nbd = NBDServer(registry: registry, configuration: nbdConfig, group: dataLoop, logger: logger,
                            idlePollMaxMicroseconds: options.nbdIdlePollMicroseconds)
        do { try await nbd.listen(unixSocket: options.nbdSocketPath) } catch {
            throw EngineError("cannot serve NBD on \(options.nbdSocketPath): \(error)")
        }
        if let tcp = options.nbdTCP {
            do { try await nbd.listen(host: tcp.host, port: tcp.port) } catch { throw EngineError("cannot serve NBD on \(tcp): \(error)") }
        }
        let supervisor = EngineSupervisor(layout: layout, registry: registry, nbdSocketPath: options.nbdSocketPath, group: dataLoop, logger: logger)
        let admin: any Channel
        do {
            admin = try await AdminServer.start(path: layout.adminSocketPath, supervisor: supervisor, group: group, logger: logger)
        } catch {
            throw EngineError("cannot open the admin socket \(layout.adminSocketPath): \(error)")
        }
        logger.info("engine up: state \(layout.stateDirectory), admin \(layout.adminSocketPath), nbd \(options.nbdSocketPath)")
        await supervisor.startAll()
        let heapTrimmer = Task { await EngineHeap.trimPeriodically() }
        defer { heapTrimmer.cancel() }
        await waitForTermination()
        logger.info("engine stopping: taking every resource down (waiting at most \(ResourceRuntime.stopSettleMax) for I/O in flight)")
        await supervisor.stopAll()
        try? await admin.close()
        await nbd.close()
        unlink(layout.adminSocketPath)
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// Returns on the first SIGTERM or SIGINT.
    static func waitForTermination() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let once = SignalOnce(continuation)
            for sig in [SIGTERM, SIGINT] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
                source.setEventHandler { once.fire() }
                source.resume()
                once.keep(source)
            }
        }
    }
}

/// Resumes a continuation once, whichever signal comes first, and keeps the sources alive.
private final class SignalOnce: @unchecked Sendable {
    private let lock = NSLockish()
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [any DispatchSourceSignal] = []
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
    func keep(_ source: any DispatchSourceSignal) { lock.locked { sources.append(source) } }
    func fire() {
        let c: CheckedContinuation<Void, Never>? = lock.locked { defer { continuation = nil }; return continuation }
        c?.resume()
    }
}

/// A pthread mutex, to avoid pulling Foundation in for NSLock.
private final class NSLockish: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
