import Glibc
import ListenerSupport
import ListenerTestSupport
import NIOCore
import TandemCLI
import TandemCLICore
import Testing

/// The CLI's connection to the controller is close-on-exec. NIO's ClientBootstrap creates it
/// without SOCK_CLOEXEC; before CCloseOnExecSockets covered `socket()` any child spawned while a
/// request was in flight held the connection after the client gave up on it.
@Suite("CLI transport inheritance")
struct TransportInheritanceTests {
    @Test func aRequestsConnectionStaysOutOfChildren() async throws {
        // A controller that never answers: the kernel completes the connect, nobody accepts, so
        // the request waits for its reply while the probe looks at the connection.
        let port = TestPorts.reserve()
        let listener = try ListeningSocket.open(host: "127.0.0.1", port: port)
        var listenerOpen = true
        defer { if listenerOpen { close(listener) } }
        let endpoint = ControllerEndpoint(host: "127.0.0.1", port: port)
        let request = Task {
            try await NIOHTTPTransport(replyTimeout: .seconds(30)).send(RestRequest(.get, ["v1", "nodes"]), to: endpoint)
        }
        let problem = try await ListenerProbe.inheritanceProblem("the request's connection to the controller") {
            ListenerProbe.connectedSockets(toPort: port)
        }
        // Closing the listener resets the connection it held, so the request ends now.
        close(listener)
        listenerOpen = false
        _ = await request.result
        #expect(problem == nil)
    }
}
