@testable import Engine
import EngineConfig
import Foundation
import ListenerTestSupport
import Logging
import NIOCore
import NIOPosix
import ReplicationCore
import ScratchFolders
import Testing

/// A clean stop (SIGTERM, `tandem adm down`) leaves metadata the next start does not take for a
/// crash: neither the "attached" nor the "primary" mark, an empty activity log. Found auditing
/// #3 (docs/engine-audit.md): the stop took the core's first answer, and the core refuses to
/// detach a Primary whose peers are gone, or anything while I/O is in flight, so a SIGTERM of an
/// engine holding a Primary came back as a crashed Primary and resynced its activity log.
@Suite("Clean stop", .removesScratchFolders)
struct CleanStopTests {
    static func start(_ dir: String) async throws -> ResourceRuntime {
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 8 << 20)))
        let text = """
        resource solo {
            options { skip-initial-sync yes; }
            volume 0 { size 8MiB; minor 1001; disk \(dir)/d0.img; }
            on alpha { node-id 0; address 127.0.0.1:\(TestPorts.reserve()); }
        }
        """
        let runtime = ResourceRuntime(config: try ResourceFileParser.parse(text, file: "solo.res"),
                                      layout: EngineStateLayout(stateDirectory: dir),
                                      group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test")) {}
        try await runtime.start()
        #expect(await runtime.admin(0, .primary(force: true)) == .done)
        return runtime
    }

    static func header(_ dir: String) throws -> MetadataHeader {
        let path = EngineStateLayout(stateDirectory: dir).metadataPath("solo", volume: 0)
        return try #require(try MetadataFile.load(path)).metadata.header
    }

    @Test("a Primary no client holds open is demoted and detached: its metadata shows a clean stop")
    func primaryStopsClean() async throws {
        let dir = try ScratchFolder.make("tandem-clean-stop-")
        let runtime = try await Self.start(dir)
        #expect(await runtime.submit(0, .write(ByteBuffer(repeating: 7, count: 65536)), offset: 4 << 20, length: 65536, fua: false) == .done)
        #expect(try Self.header(dir).flags.contains(.attached))
        await runtime.stop()
        let header = try Self.header(dir)
        #expect(!header.flags.contains(.attached) && !header.flags.contains(.primary), "flags \(header.flags)")
        #expect(header.activityLog.isEmpty, "activity log \(header.activityLog)")
    }

    @Test("writes in flight when the stop begins complete first, and the stop is still clean")
    func writesInFlightAreWaitedFor() async throws {
        let dir = try ScratchFolder.make("tandem-clean-stop-")
        let runtime = try await Self.start(dir)
        let writes = (0..<16).map { i in
            Task { await runtime.submit(0, .write(ByteBuffer(repeating: UInt8(i), count: 262_144)), offset: UInt64(i) << 18, length: 262_144, fua: true) }
        }
        await Task.yield()
        await runtime.stop()
        for w in writes { #expect(await w.value == .done) }
        let header = try Self.header(dir)
        #expect(!header.flags.contains(.attached) && !header.flags.contains(.primary), "flags \(header.flags)")
    }
}
