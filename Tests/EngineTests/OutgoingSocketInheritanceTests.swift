import EngineAdminClient
import Glibc
import ListenerSupport
import ListenerTestSupport
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
        // Below the ephemeral range, as in ListenerTeardownTests.
        let port = TestPorts.reserve(2)
        let peerPort = port + 1
        // The peer: a listener nobody accepts on. The kernel completes the engine's connect, so
        // the dialed link stays open for the engine's hello timeout (5 s), long enough to look.
        let peer = try ListeningSocket.open(host: "127.0.0.1", port: peerPort)
        defer { close(peer) }
        // This node (alpha, id 0) has the lower id, so it dials beta (ResourceRuntime+Links).
        let adminPath = try await AcceptedSocketInheritanceTests.engineWithAdminSocket("dialer") { dir in
            TestResourceFile.text("dialer", disk: dir + "/d0.img", minor: 1002, on: .init(name: "alpha", id: 0, port: port),
                                  peers: [.init(name: "beta", id: 1, port: peerPort)])
        }
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
