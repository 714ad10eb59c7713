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

/// The 1-replica write path: with no peer link up, a small write is done on the runtime's loop at
/// once and its outcome reaches the NBD connection's sink before `submitOnLoop` returns, so its
/// reply leaves with the batch that brought the request (no loop task for the write, none for a
/// second flush). Before, every small write waited for the end of the loop iteration. (The first
/// write into a cold extent still waits for its activity-log transaction, as it must.)
@Suite("Local write path", .removesScratchFolders)
struct LocalWritePathTests {
    static func start(_ dir: String) async throws -> ResourceRuntime {
        let text = """
        resource solo {
            options { skip-initial-sync yes; }
            volume 0 { size 1MiB; minor 1001; disk \(dir)/d0.img; }
            on alpha { node-id 0; address 127.0.0.1:\(TestPorts.reserve()); }
        }
        """
        let config = try ResourceFileParser.parse(text, file: "solo.res")
        let runtime = ResourceRuntime(config: config, layout: EngineStateLayout(stateDirectory: dir),
                                      group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test")) {}
        try await runtime.start()
        let promoted = await runtime.admin(0, .primary(force: true))
        #expect(promoted == .done)
        return runtime
    }

    @Test func aSmallWriteWithoutPeersIsDoneAndReportedBeforeSubmitReturns() async throws {
        let dir = try ScratchFolder.make("tandem-localwrite-")
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 1 << 20)))
        let runtime = try await Self.start(dir)
        // The first write into an extent waits for its activity-log transaction (a metadata
        // write on the pool): it is not the case under test.
        let first = await runtime.submit(0, .write(ByteBuffer(repeating: 1, count: 4096)), offset: 0, length: 4096, fua: false)
        #expect(first == .done)
        let sink = RecordingSink()
        let payload = ByteBuffer(repeating: 0xA5, count: 4096)
        let reportedAtReturn = try await runtime.loop.submit { () -> Int in
            let command = NBDCommand.write(cookie: 7, offset: 8192, data: payload, fua: false)
            runtime.submitOnLoop(0, .write(payload), offset: 8192, length: 4096, fua: false, waiter: .export(sink, command))
            return sink.outcomes.withLock { $0.count }
        }.get()
        #expect(reportedAtReturn == 1, "the write's outcome was reported before submitOnLoop returned")
        #expect(sink.outcomes.withLock { $0.map(\.cookie) } == [7])
        #expect(sink.outcomes.withLock { $0.allSatisfy(\.ok) })
        // Acknowledged means written: the bytes are in the backing file now.
        let file = try #require(FileHandle(forReadingAtPath: dir + "/d0.img"))
        try file.seek(toOffset: 8192)
        #expect(try file.read(upToCount: 4096) == Data(repeating: 0xA5, count: 4096))
        try file.close()
        await runtime.stop()
    }
}
