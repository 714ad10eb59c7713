@testable import Engine
import EngineConfig
import Foundation
import ListenerTestSupport
import Logging
import NBDProtocol
import NIOCore
import NIOPosix
import ReplicationCore
import ScratchFolders
import Synchronization
import Testing

/// With a peer link up, the client requests handed in during one event-loop iteration reach the
/// core as one step at the end of the iteration (`stepPendingClientRequests`), and before any
/// other input of that iteration reaches a core: a command stepped after them must find them in
/// the core, as it did when each request was stepped on arrival.
@Suite("Client requests stepped per iteration", .removesScratchFolders)
struct ClientRequestBatchTests {
    static func node(_ name: String, _ id: Int, _ port: Int, peer: TestResourceFile.Node, in dir: String) async throws -> ResourceRuntime {
        // Sparse, so the fresh pair may skip its initial sync.
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: nil))
        let file = try #require(FileHandle(forWritingAtPath: dir + "/d0.img"))
        try file.truncate(atOffset: 1 << 20)
        try file.close()
        let text = TestResourceFile.text("pair", disk: dir + "/d0.img", size: "1MiB", minor: 1005,
                                         on: .init(name: name, id: id, port: port), peers: [peer], options: "skip-initial-sync yes;")
        let runtime = ResourceRuntime(config: try ResourceFileParser.parse(text, file: "pair.res"),
                                      layout: EngineStateLayout(stateDirectory: dir),
                                      group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test")) {}
        try await runtime.start()
        return runtime
    }

    static func onLoop<T: Sendable>(_ runtime: ResourceRuntime, _ body: @escaping @Sendable (isolated ResourceRuntime) -> T) async throws -> T {
        try await runtime.loop.submit { runtime.assumeIsolated { body($0) } }.get()
    }

    /// alpha (node 0, Primary) and beta (node 1), connected and UpToDate; beta's folder for
    /// reading its backing file.
    static func connectedPair(_ label: String) async throws -> (alpha: ResourceRuntime, beta: ResourceRuntime, dirB: String) {
        let dirA = try ScratchFolder.make("tandem-\(label)-a-"), dirB = try ScratchFolder.make("tandem-\(label)-b-")
        let port = TestPorts.reserve(2)
        let alpha = try await Self.node("alpha", 0, port, peer: .init(name: "beta", id: 1, port: port + 1), in: dirA)
        let beta = try await Self.node("beta", 1, port + 1, peer: .init(name: "alpha", id: 0, port: port), in: dirB)
        #expect(await alpha.admin(0, .primary(force: true)) == .done)
        var inSync = false
        for _ in 0..<200 where !inSync {
            inSync = try await Self.onLoop(alpha) {
                $0.volumes[0]?.instance.connectionState(NodeID(1)) == .connected
                    && $0.volumes[0]?.instance.peerDiskState(NodeID(1)) == .upToDate
            }
            if !inSync { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(inSync, "alpha and beta did not connect in sync")
        return (alpha, beta, dirB)
    }

    @Test func requestsHeldForTheIterationReachTheCoreBeforeAnotherInput() async throws {
        let (alpha, beta, dirB) = try await Self.connectedPair("batch")
        // The first write into the extent waits for its activity-log transaction: not under test.
        #expect(await alpha.submit(0, .write(ByteBuffer(repeating: 1, count: 4096)), offset: 0, length: 4096, fua: false) == .done)

        let sink = RecordingSink()
        let payload = ByteBuffer(repeating: 0x5A, count: 4096)
        let (held, inCoreBefore, inCoreAfter) = try await Self.onLoop(alpha) { runtime -> (Int, Int, Int) in
            for k in 1...3 {
                let command = NBDCommand.write(cookie: UInt64(k), offset: UInt64(k * 4096), data: payload, fua: false)
                runtime.submitOnLoop(0, .write(payload), offset: UInt64(k * 4096), length: 4096, fua: false, waiter: .export(sink, command))
            }
            let held = runtime.pendingClientRequests.count
            let before = runtime.volumes[0]!.instance.requestsInFlight
            // A demotion stepped in the same iteration, after the writes: it must see them in
            // flight and be refused. Stepped ahead of them, it would demote an idle Primary and
            // the three writes would then fail on a Secondary.
            runtime.step(0, .admin(.secondary, id: AdminRequestID(1 << 40)))
            return (held, before, runtime.volumes[0]!.instance.requestsInFlight)
        }
        #expect(held == 3, "the writes were held for the end of the iteration")
        #expect(inCoreBefore == 0)
        #expect(inCoreAfter == 3, "the held writes reached the core before the demotion")
        for _ in 0..<200 where sink.outcomes.withLock({ $0.count }) < 3 { try await Task.sleep(for: .milliseconds(20)) }
        #expect(sink.outcomes.withLock { $0.map(\.cookie) } == [1, 2, 3])
        #expect(sink.outcomes.withLock { $0.allSatisfy(\.ok) })
        #expect(try await Self.onLoop(alpha) { $0.volumes[0]!.instance.currentRole } == .primary)
        // Protocol C: acknowledged means on beta's disk too.
        let file = try #require(FileHandle(forReadingAtPath: dirB + "/d0.img"))
        try file.seek(toOffset: 4096)
        #expect(try file.read(upToCount: 3 * 4096) == Data(repeating: 0x5A, count: 3 * 4096))
        try file.close()
        await alpha.stop()
        await beta.stop()
    }
}
