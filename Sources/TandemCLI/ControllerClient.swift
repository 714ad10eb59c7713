import TandemCLICore

/// Talks to the first reachable controller of the list, as the linstor client does: controllers
/// that refuse the connection are skipped; the first that answers is kept for the rest of the
/// command.
public actor ControllerClient {
    public let endpoints: [ControllerEndpoint]
    let transport: any RestTransport
    var active: ControllerEndpoint?

    public init(endpoints: [ControllerEndpoint], transport: any RestTransport) {
        precondition(!endpoints.isEmpty, "ControllerEndpoint.list never returns an empty list")
        self.endpoints = endpoints; self.transport = transport
    }

    public func send(_ request: RestRequest) async throws(CLIError) -> RestResponse {
        if let active {
            do { return try await transport.send(request, to: active) } catch { throw CLIError(transport: error) }
        }
        var failures: [String] = []
        for endpoint in endpoints {
            do {
                let response = try await transport.send(request, to: endpoint)
                active = endpoint
                return response
            } catch {
                if case .cannotConnect(_, let reason) = error {
                    failures.append("\(endpoint): \(reason)")
                    continue
                }
                throw CLIError(transport: error)
            }
        }
        throw CLIError(
            message: "Unable to connect to any controller: " + failures.joined(separator: "; ")
                + ".\nIs `tandem controller` running? Name other controllers with --controllers or LS_CONTROLLERS (host[:port],...).",
            exitCode: ExitStatus.connectionError)
    }
}

/// An error the CLI reports itself (not an ApiCallRc from the controller): printed to stderr
/// as "Error: …", exit with the linstor client's code.
public struct CLIError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32

    public init(message: String, exitCode: Int32) { self.message = message; self.exitCode = exitCode }

    init(transport error: TransportError) {
        switch error {
        case .cannotConnect(let e, let reason):
            self.init(message: "Unable to connect to \(e): \(reason)", exitCode: ExitStatus.connectionError)
        case .timedOut(let e, let seconds):
            self.init(message: "No reply from \(e) within \(seconds) s (raise it with --timeout)", exitCode: ExitStatus.connectionTimeout)
        case .broken(let e, let reason):
            self.init(message: "Connection to \(e) failed: \(reason)", exitCode: ExitStatus.connectionError)
        case .replyTooLarge(let e, let limit):
            self.init(message: "The reply from \(e) is larger than \(limit >> 20) MiB; refusing to read it", exitCode: ExitStatus.apiError)
        }
    }

    public var description: String { message }
}
