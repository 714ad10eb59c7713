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

/// A crashed Primary's status reaches the engine's metadata file and outlives the engine's own
/// restarts (`MetadataFlags.crashedPrimary`, bit 7; ReplicationCore's CrashedPrimaryRestartTests
/// shows what is lost without it). The attach that finds `primary` in the header (the previous
/// run crashed as Primary) writes its next header without `primary`; before the flag existed,
/// that header said nothing of the crash, and a second crash brought the node back a plain
/// crashed Secondary.
@Suite("Engine: a crashed Primary's flag in the metadata file", .removesScratchFolders)
struct CrashedPrimaryFlagTests {
    static func start(_ dir: String, port: Int) async throws -> ResourceRuntime {
        let text = """
        resource solo {
            options { skip-initial-sync yes; }
            volume 0 { size 8MiB; minor 1012; disk \(dir)/d0.img; }
            on alpha { node-id 0; address 127.0.0.1:\(port); }
        }
        """
        let runtime = ResourceRuntime(config: try ResourceFileParser.parse(text, file: "solo.res"),
                                      layout: EngineStateLayout(stateDirectory: dir),
                                      group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test")) {}
        try await runtime.start()
        return runtime
    }

    static func path(_ dir: String) -> String { EngineStateLayout(stateDirectory: dir).metadataPath("solo", volume: 0) }

    static func header(_ dir: String) throws -> MetadataHeader {
        try #require(try MetadataFile.load(path(dir))).metadata.header
    }

    /// The header once the attach's own metadata write has landed (it sets `attached`).
    static func headerAfterAttach(_ dir: String) async throws -> MetadataHeader {
        for _ in 0 ..< 200 {
            let h = try header(dir)
            if h.flags.contains(.attached) && !h.flags.contains(.primary) { return h }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try header(dir)
    }

    @Test("the attach after a crash as Primary writes crashedPrimary; clean stops and starts keep it")
    func crashedPrimaryKeptThroughRestarts() async throws {
        let dir = try ScratchFolder.make("tandem-crashed-primary-")
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 8 << 20)))
        let port = TestPorts.reserve()
        let first = try await Self.start(dir, port: port)
        #expect(await first.admin(0, .primary(force: true)) == .done)
        #expect(await first.submit(0, .write(ByteBuffer(repeating: 7, count: 4096)), offset: 0, length: 4096, fua: true) == .done)
        await first.stop()
        #expect(!(try Self.header(dir)).flags.contains(.crashedPrimary), "a clean stop of a Primary is no crash")

        // What a crash as Primary leaves: `attached` and `primary` still set (written back in
        // the file's own format, a later slot, as an update would).
        var loaded = try #require(try MetadataFile.load(Self.path(dir)))
        loaded.metadata.header.flags.formUnion([.attached, .primary])
        let bytes = MetadataFile.encode(loaded.metadata, layout: try #require(loaded.layout), sequence: loaded.sequence + 1)
        #expect(FileManager.default.createFile(atPath: Self.path(dir), contents: Data(bytes)))

        let second = try await Self.start(dir, port: port)
        let attached = try await Self.headerAfterAttach(dir)
        #expect(!attached.flags.contains(.primary), "flags \(attached.flags)")
        #expect(attached.flags.contains(.crashedPrimary), "the attach forgot the crash as Primary: flags \(attached.flags)")
        await second.stop()
        let stopped = try Self.header(dir)
        #expect(!stopped.flags.contains(.attached), "flags \(stopped.flags)")
        #expect(stopped.flags.contains(.crashedPrimary), "a clean stop settled nothing of the crash: flags \(stopped.flags)")

        // Started again (no peer ever took its data), it still comes up a crashed Primary.
        let third = try await Self.start(dir, port: port)
        #expect(try await Self.headerAfterAttach(dir).flags.contains(.crashedPrimary))
        await third.stop()
    }
}
