@testable import Engine
import EngineConfig
import Foundation
import ListenerTestSupport
import Logging
import NBDServer
import NIOCore
import NIOPosix
import ReplicationCore
import ScratchFolders
import Testing

/// A stop waits for I/O in flight before it demotes and detaches (`CleanStopTests`), but once,
/// for every volume and resource together: each volume used to wait up to 5 s to demote and 5 s
/// to detach, one after another, and the engine stopped its resources one after another, so a
/// SIGTERM of an engine with many busy volumes took minutes. Found auditing #3
/// (docs/engine-audit.md, session 9).
@Suite("Stop deadline", .removesScratchFolders)
struct StopDeadlineTests {
    /// The stop's deadline in these tests. Waiting once costs one deadline plus scheduling;
    /// waiting in turn costs one per volume or resource. At 1 s the bounds between the two
    /// (3 s, 2.5 s) left 1.5-2 s for scheduling, which a loaded 2-CPU machine took (3.4 s and
    /// 2.7 s measured at load 12 while EngineTests ran in parallel, session 12); at 2 s the
    /// bounds (5 s, 4.5 s) leave 2.5-3 s and stay 3 s and 1.5 s below waiting in turn.
    static let deadline = Duration.seconds(2)

    /// An I/O pool whose one thread is held until `release()`: a FUA write (always done on the
    /// pool, `BackingStore.performsInline`) given to it stays in flight, so the core refuses to
    /// demote or detach its volume for as long as the test wants.
    final class HeldPool: Sendable {
        let pool = NIOThreadPool(numberOfThreads: 1)
        private let held = DispatchSemaphore(value: 0)
        init() {
            pool.start()
            pool.submit { [held] _ in held.wait() }
        }
        func release() { held.signal() }
    }

    static func resourceText(_ name: String, dir: String, volumes: Int, firstMinor: Int) -> String {
        var lines = ["resource \(name) {", "    options { skip-initial-sync yes; }"]
        for v in 0..<volumes {
            let disk = "\(dir)/\(name)-\(v).img"
            #expect(FileManager.default.createFile(atPath: disk, contents: Data(count: 8 << 20)))
            lines.append("    volume \(v) { size 8MiB; minor \(firstMinor + v); disk \(disk); }")
        }
        lines += ["    on alpha { node-id 0; address 127.0.0.1:\(TestPorts.reserve()); }", "}"]
        return lines.joined(separator: "\n")
    }

    /// Makes every volume of `runtime` Primary and leaves one FUA write in flight on each
    /// (proved by the core refusing to demote it).
    static func primaryWithStuckWrites(_ runtime: ResourceRuntime, volumes: Int) async throws -> [Task<ClientResult, Never>] {
        var writes: [Task<ClientResult, Never>] = []
        for v in 0..<UInt16(volumes) {
            #expect(await runtime.admin(v, .primary(force: true)) == .done)
            writes.append(Task { await runtime.submit(v, .write(ByteBuffer(repeating: 9, count: 65536)), offset: 0, length: 65536, fua: true) })
            var refused = false
            for _ in 0..<500 where !refused {
                if case .refused = await runtime.admin(v, .secondary) { refused = true } else { try await Task.sleep(for: .milliseconds(10)) }
            }
            try #require(refused, "volume \(v): the write never got in flight")
        }
        return writes
    }

    @Test("four volumes with writes stuck: the stop waits once for all of them, not in turn, and says what it waited for")
    func volumesShareOneDeadline() async throws {
        let dir = try ScratchFolder.make("tandem-stop-deadline-")
        let held = HeldPool()
        let log = CapturedLog()
        let config = try ResourceFileParser.parse(Self.resourceText("busy", dir: dir, volumes: 4, firstMinor: 1100), file: "busy.res")
        let runtime = ResourceRuntime(config: config, layout: EngineStateLayout(stateDirectory: dir), group: MultiThreadedEventLoopGroup.singleton,
                                      logger: Logger(label: "test") { _ in CapturedLogHandler(log: log) }, ioThreadPool: held.pool) {}
        try await runtime.start()
        let writes = try await Self.primaryWithStuckWrites(runtime, volumes: 4)

        let begun = ContinuousClock.now
        await runtime.stop(until: .now + Self.deadline)
        let took = ContinuousClock.now - begun
        held.release()
        for w in writes { _ = await w.value }
        try await held.pool.shutdownGracefully()

        // In turn, each volume waited out its own deadline: at least 4 deadlines (8 s) here.
        #expect(took < Self.deadline * 2.5, "the stop took \(took)")
        #expect(log.contains("the stop waited"), "log: \(log.lines)")
        for v in 0..<4 {
            #expect(log.contains("volume \(v) (busy has writes in flight"), "log: \(log.lines)")
            #expect(log.contains("busy volume \(v) stays Primary at shutdown: it could not be demoted"), "log: \(log.lines)")
        }
    }

    @Test("an engine stopping three busy resources waits once for all of them, not for each in turn")
    func resourcesShareOneDeadline() async throws {
        let dir = try ScratchFolder.make("tandem-stop-deadline-")
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        let held = HeldPool()
        let names = ["b0", "b1", "b2"]
        for (i, name) in names.enumerated() {
            try Self.resourceText(name, dir: dir, volumes: 1, firstMinor: 1110 + i)
                .write(toFile: dir + "/resources/\(name).res", atomically: true, encoding: .utf8)
        }
        let supervisor = EngineSupervisor(layout: EngineStateLayout(stateDirectory: dir), registry: NBDExportRegistry(),
                                          nbdSocketPath: nil, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"),
                                          ioThreadPool: held.pool)
        var writes: [Task<ClientResult, Never>] = []
        for name in names {
            let error = await supervisor.up(name)
            try #require(error == nil, "up \(name): \(error ?? "")")
            let runtime = try #require(await supervisor.resources[name])
            writes += try await Self.primaryWithStuckWrites(runtime, volumes: 1)
        }

        let begun = ContinuousClock.now
        await supervisor.stopAll(within: Self.deadline)
        let took = ContinuousClock.now - begun
        held.release()
        for w in writes { _ = await w.value }
        try await held.pool.shutdownGracefully()

        // In turn, each resource waited out its own deadline: at least 3 deadlines (6 s) here.
        #expect(took < Self.deadline * 2.25, "stopAll took \(took)")
        #expect(await supervisor.resources.isEmpty)
    }
}
