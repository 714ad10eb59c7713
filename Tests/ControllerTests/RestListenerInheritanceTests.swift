import Controller
import Hummingbird
import HummingbirdTesting
import ListenerTestSupport
import Logging
import ScratchFolders
import Testing

/// The REST listener (:3370) is close-on-exec. Hummingbird binds through NIO, which creates the
/// socket without SOCK_CLOEXEC; before CCloseOnExecSockets covered `socket()` a child spawned
/// while the controller ran (any tool, or a combined node's satellite in the same process) kept
/// the port in LISTEN after the controller stopped, so a restarted controller could not bind it.
@Suite("Controller REST listener inheritance", .removesScratchFolders)
struct RestListenerInheritanceTests {
    @Test func theRestListenerStaysOutOfChildren() async throws {
        let harness = try await RestRouteTests.harness()
        let app = buildApplication(controller: harness.controller, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            #expect(try await ListenerProbe.inheritanceProblem("the REST listener") {
                ListenerProbe.listeningSockets(port: port)
            } == nil)
        }
    }
}
