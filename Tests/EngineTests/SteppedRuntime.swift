@testable import Engine
import EngineConfig
import Foundation
import ListenerTestSupport
import Logging
import NIOPosix
import ReplicationCore
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
        return try await start(in: dir, resource, minor: minor, on: local, peers: peers)
    }

    /// The runtime of `resource` on the 1 MiB `d0.img` in `dir` (state kept there, so a second
    /// start is a restart); `options` besides `skip-initial-sync yes`.
    static func start(in dir: String, _ resource: String, minor: Int, on local: TestResourceFile.Node,
                      peers: [TestResourceFile.Node], options: String = "") async throws -> ResourceRuntime {
        let text = TestResourceFile.text(resource, disk: dir + "/d0.img", size: "1MiB", minor: minor, on: local, peers: peers,
                                         options: "skip-initial-sync yes;" + options)
        let runtime = ResourceRuntime(config: try ResourceFileParser.parse(text, file: "\(resource).res"),
                                      layout: EngineStateLayout(stateDirectory: dir),
                                      group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test")) {}
        try await runtime.start()
        return runtime
    }

    /// Node alpha (id 0) with one peer, beta (id 1), UpToDate at a generation of its own (a
    /// forced promotion, then Secondary again).
    static func startAlphaUpToDate(_ resource: String, minor: Int) async throws -> ResourceRuntime {
        let port = port()
        let alpha = try await start(resource, minor: minor, on: .init(name: "alpha", id: 0, port: port),
                                    peers: [.init(name: "beta", id: 1, port: port + 1)])
        #expect(await alpha.adminAll(.primary(force: true)) == .done)
        #expect(await alpha.adminAll(.secondary) == .done)
        return alpha
    }

    /// A port for the local node and the two peers after it (nothing listens on the peers').
    static func port() -> Int { TestPorts.reserve(3) }
}

extension ResourceRuntime {
    /// Peer `node`'s link comes up and its handshake arrives (1 MiB, UpToDate, no flags; or
    /// `diskless`): a test playing that peer (`SteppedRuntime`), on the runtime's event loop.
    /// `history`: the generations the peer moved past (newest first).
    func receiveHandshake(from node: UInt8, role: ReplicationCore.Role, current: Generation, history: [Generation] = [],
                          replicationProtocol: ReplicationCore.ReplicationProtocol = .c, diskless: Bool = false) {
        let handshake = Handshake(nodeID: NodeID(node), volume: 0, sizeBytes: diskless ? 0 : 1 << 20, bitmapBlockBytes: 4096, role: role,
                                  disk: diskless ? .diskless : .upToDate, generations: GenerationSet(current: current, history: history), flags: [],
                                  outOfSyncBlocks: 0, hasQuorum: true, replicationProtocol: replicationProtocol)
        step(0, .transportUp(NodeID(node)))
        step(0, .message(.handshake(handshake), from: NodeID(node)))
    }
}
