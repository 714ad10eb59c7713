import Foundation
import Testing
@testable import TandemCLI
@testable import TandemCLICore

@Suite struct ReplyDecodingTests {
    let request = RestRequest(.delete, ["v1", "nodes", "x"])

    func response(_ status: Int, _ body: String) -> RestResponse { RestResponse(status: status, contentType: "application/json", body: Data(body.utf8)) }

    @Test func apiCallRcListsOfAnyStatusAreReplies() throws {
        let replies = try Session.decodeReplies(response(404, #"[{"ret_code":-4611686018427387604,"message":"Node 'x' not found."}]"#), for: request)
        #expect(replies.map(\.category) == [.error])
        #expect(try Session.decodeReplies(response(200, #"[{"ret_code":54263810,"message":"Node 'x' deleted."}]"#), for: request).count == 1)
    }

    @Test func aSingleObjectIsAcceptedToo() throws {
        #expect(try Session.decodeReplies(response(500, #"{"ret_code":-4611686018427387904,"message":"boom"}"#), for: request).count == 1)
    }

    @Test func nonJSONErrorsNameTheStatusAndBody() {
        do {
            _ = try Session.decodeReplies(RestResponse(status: 502, contentType: "text/html", body: Data("<html>Bad Gateway</html>".utf8)), for: request)
            Issue.record("expected an error")
        } catch {
            #expect(error.exitCode == 10)
            #expect(error.message == "The controller answered DELETE /v1/nodes/x with HTTP 502: <html>Bad Gateway</html>")
        }
    }

    @Test func anEmptyErrorListIsStillAnError() {
        #expect(throws: CLIError.self) { try Session.decodeReplies(response(500, "[]"), for: request) }
        #expect(throws: CLIError.self) { try Session.decodeReplies(response(500, ""), for: request) }
    }

    @Test func transportErrorsMapToLinstorExitCodes() {
        let e = ControllerEndpoint(host: "h")
        #expect(CLIError(transport: .cannotConnect(e, reason: "connection refused")).exitCode == 20)
        #expect(CLIError(transport: .broken(e, reason: "reset")).exitCode == 20)
        #expect(CLIError(transport: .timedOut(e, seconds: 5)).exitCode == 21)
        #expect(CLIError(transport: .timedOut(e, seconds: 5)).message == "No reply from linstor://h:3370 within 5 s (raise it with --timeout)")
    }
}

/// A transport that answers from a script, to check the controller-list logic without sockets.
final class ScriptedTransport: RestTransport, @unchecked Sendable {
    let lock = NSLock()
    var reachable: Set<String>
    var calls: [String] = []
    init(reachable: Set<String>) { self.reachable = reachable }

    func send(_ request: RestRequest, to endpoint: ControllerEndpoint) async throws(TransportError) -> RestResponse {
        let up = lock.withLock { () -> Bool in
            calls.append(endpoint.host)
            return reachable.contains(endpoint.host)
        }
        guard up else { throw .cannotConnect(endpoint, reason: "connection refused") }
        return RestResponse(status: 200, body: Data("[]".utf8))
    }
}

@Suite struct ControllerClientTests {
    @Test func triesControllersInOrderAndKeepsTheFirstThatAnswers() async throws {
        let transport = ScriptedTransport(reachable: ["b", "c"])
        let client = ControllerClient(endpoints: ["a", "b", "c"].map { ControllerEndpoint(host: $0) }, transport: transport)
        _ = try await client.send(RestRequest(.get, ["v1", "nodes"]))
        _ = try await client.send(RestRequest(.get, ["v1", "nodes"]))
        #expect(transport.calls == ["a", "b", "b"])
    }

    @Test func noneReachableIsExit20NamingEachController() async {
        let client = ControllerClient(endpoints: ["a", "b"].map { ControllerEndpoint(host: $0) }, transport: ScriptedTransport(reachable: []))
        do {
            _ = try await client.send(RestRequest(.get, ["v1", "nodes"]))
            Issue.record("expected an error")
        } catch {
            #expect(error.exitCode == 20)
            #expect(error.message.contains("linstor://a:3370: connection refused; linstor://b:3370: connection refused"))
        }
    }
}
