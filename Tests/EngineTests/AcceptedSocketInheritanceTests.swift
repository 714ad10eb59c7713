@testable import Engine
import EngineConfig
import Foundation
import Glibc
import ListenerTestSupport
import Logging
import NBDServer
import NIOPosix
import ScratchFolders
import Testing

/// Connections the engine accepts — a peer on the replication port, `tandem adm` on the admin
/// socket — are close-on-exec. NIO accepts without SOCK_CLOEXEC; before the fix a child spawned
/// by anything in the engine (a tool run; in `swift test`, another suite) held every connection
/// open at that moment for its whole life, so a peer whose link the engine closed kept a half
/// open connection instead of seeing the hang-up.
@Suite("Engine accepted connections are not inherited", .removesScratchFolders)
struct AcceptedSocketInheritanceTests {
    /// An engine in a scratch folder with `resource` up from `resourceFile(folder)` (its disk
    /// `<folder>/d0.img`, 8 MiB) and its admin socket open, both stopped when the test ends;
    /// returns the admin socket's path.
    static func engineWithAdminSocket(_ resource: String, resourceFile: (String) -> String) async throws -> String {
        let dir = try ScratchFolder.make("tandem-engine-cloexec-")
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 8 << 20)))
        try resourceFile(dir).write(toFile: dir + "/resources/\(resource).res", atomically: true, encoding: .utf8)
        let supervisor = EngineSupervisor(layout: EngineStateLayout(stateDirectory: dir), registry: NBDExportRegistry(),
                                          nbdSocketPath: nil, group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        try ScratchFolder.onTestEnd { await supervisor.stopAll() }
        let upError = await supervisor.up(resource)
        try #require(upError == nil, "up: \(upError ?? "")")
        let adminPath = dir + "/admin.sock"
        let admin = try await AdminServer.start(path: adminPath, supervisor: supervisor,
                                                group: MultiThreadedEventLoopGroup.singleton, logger: Logger(label: "test"))
        try ScratchFolder.onTestEnd { try? await admin.close() }
        return adminPath
    }

    @Test func replicationAndAdminConnectionsStayOutOfChildren() async throws {
        // Below the ephemeral range, as in ListenerTeardownTests.
        let port = TestPorts.reserve()
        let adminPath = try await Self.engineWithAdminSocket("churn") { ListenerTeardownTests.resourceFile(dir: $0, port: port, alExtents: 1237) }

        let peer = ListenerProbe.connect(port: port)
        let adm = ListenerProbe.connect(unixPath: adminPath)
        defer { close(peer); close(adm) }
        #expect(peer >= 0 && adm >= 0)

        #expect(try await ListenerProbe.inheritanceProblem("the accepted replication connection") {
            ListenerProbe.acceptedSockets(port: port)
        } == nil)
        #expect(try await ListenerProbe.inheritanceProblem("the accepted admin connection") {
            ListenerProbe.acceptedSockets(unixPath: adminPath)
        } == nil)
    }
}
