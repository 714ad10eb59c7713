@testable import Engine
import EngineAdminClient
import EngineConfig
import Foundation
import Glibc
import ListenerSupport
import ListenerTestSupport
import Logging
import NBDServer
import NIOPosix
import ScratchFolders
import Testing

/// The sockets the engine opens itself — the replication link it dials to a peer with a higher
/// node id, its admin socket's unix listener — and the connection `tandem adm` (or the
/// satellite) opens to that socket are close-on-exec. NIO creates them without SOCK_CLOEXEC;
/// before CCloseOnExecSockets covered `socket()` a child spawned by anything in the process held
/// each of them: a peer never saw its dialed link hang up, and a restarted engine found its
/// admin path's listener still held by a child.
@Suite("Engine dialed links and unix sockets are not inherited", .removesScratchFolders)
struct OutgoingSocketInheritanceTests {
    @Test func dialedLinkAdminListenerAndAdminClientStayOutOfChildren() async throws {
        let dir = try ScratchFolder.make("tandem-engine-cloexec-out-")
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 8 << 20)))
        // Below the ephemeral range, as in ListenerTeardownTests.
        let port = Int.random(in: 20000...29000)
        let peerPort = port + 1
        // The peer: a listener nobody accepts on. The kernel completes the engine's connect, so
        // the dialed link stays open for the engine's hello timeout (5 s), long enough to look.
        let peer = try ListeningSocket.open(host: "127.0.0.1", port: peerPort)
        defer { close(peer) }
        // This node (alpha, id 0) has the lower id, so it dials beta (ResourceRuntime+Links).
        try """
        resource dialer {
            volume 0 {
                size 8MiB;
                minor 1002;
                disk \(dir)/d0.img;
            }
            on alpha {
                node-id 0;
                address 127.0.0.1:\(port);
            }
            peer beta {
                node-id 1;
                address 127.0.0.1:\(peerPort);
            }
        }
        """.write(toFile: dir + "/resources/dialer.res", atomically: true, encoding: .utf8)
        let supervisor = EngineSupervisor(layout: EngineStateLayout(stateDirectory: dir), registry: NBDExportRegistry(),
                                          nbdSocketPath: nil, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        try ScratchFolder.onTestEnd { await supervisor.stopAll() }
        let upError = await supervisor.up("dialer")
        try #require(upError == nil, "up: \(upError ?? "")")
        let adminPath = dir + "/admin.sock"
        let admin = try await AdminServer.start(path: adminPath, supervisor: supervisor,
                                                group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        try ScratchFolder.onTestEnd { try? await admin.close() }
        // `tandem adm events` holds its connection open until cancelled.
        let events = Task { for try await _ in EngineAdminClient(socketPath: adminPath).events() {} }
        defer { events.cancel() }

        #expect(try await ListenerProbe.inheritanceProblem("the dialed replication link") {
            ListenerProbe.connectedSockets(toPort: peerPort)
        } == nil)
        #expect(try await ListenerProbe.inheritanceProblem("the admin socket's listener") {
            ListenerProbe.listeningSockets(unixPath: adminPath)
        } == nil)
        #expect(try await ListenerProbe.inheritanceProblem("the admin client's connection") {
            ListenerProbe.connectedSockets(toUnixPath: adminPath)
        } == nil)
    }
}
