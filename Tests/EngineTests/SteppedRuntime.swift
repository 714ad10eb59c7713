@testable import Engine
import EngineConfig
import Foundation
import Logging
import NIOPosix
import ScratchFolders
import Testing

/// A started resource runtime with a 1 MiB volume whose peers do not exist: nothing listens on
/// their ports, and a test plays their side of the protocol by stepping the core through the
/// runtime (`ClientRequestBatchTests.onLoop`). `skip-initial-sync yes`.
enum SteppedRuntime {
    static func start(_ resource: String, minor: Int, on local: TestResourceFile.Node, peers: [TestResourceFile.Node]) async throws -> ResourceRuntime {
        let dir = try ScratchFolder.make("tandem-stepped-\(resource)-")
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: nil))
        let file = try #require(FileHandle(forWritingAtPath: dir + "/d0.img"))
        try file.truncate(atOffset: 1 << 20)
        try file.close()
        let text = TestResourceFile.text(resource, disk: dir + "/d0.img", size: "1MiB", minor: minor, on: local, peers: peers,
                                         options: "skip-initial-sync yes;")
        let runtime = ResourceRuntime(config: try ResourceFileParser.parse(text, file: "\(resource).res"),
                                      layout: EngineStateLayout(stateDirectory: dir),
                                      group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test")) {}
        try await runtime.start()
        return runtime
    }

    /// A port for the local node and the peers after it (nothing listens on the peers').
    static func port() -> Int { Int.random(in: 30000...39000) }
}
