import Foundation
import NIOCore
import TandemCLICore

/// What one client command needs at run time: the controller connection, the output style and
/// the two output streams. Commands build requests purely and hand them to the session.
public struct Session: Sendable {
    public let options: GlobalOptions
    public let client: ControllerClient
    public let style: TerminalStyle
    public let timeZone: TimeZone

    public init(options: GlobalOptions, environment: [String: String] = ProcessInfo.processInfo.environment) throws(CLIError) {
        self.options = options
        let endpoints: [ControllerEndpoint]
        do {
            endpoints = try ControllerEndpoint.list(flag: options.controllers, environment: environment["LS_CONTROLLERS"])
        } catch {
            throw CLIError(message: error.description + (options.controllers == nil ? " (in LS_CONTROLLERS)" : ""), exitCode: ExitStatus.usage)
        }
        let transport = NIOHTTPTransport(replyTimeout: .seconds(Int64(options.timeout)))
        client = ControllerClient(endpoints: endpoints, transport: transport)
        style = TerminalStyle.decide(isTerminal: isatty(STDOUT_FILENO) == 1, environment: environment,
                                     noColorFlag: options.noColor, noUTF8Flag: options.noUTF8)
        timeZone = TimeZone.current
    }

    public func out(_ text: String) {
        StandardStreams.out(text)
    }

    public func err(_ text: String) {
        StandardStreams.err(text)
    }

    /// Runs mutating calls in order and prints every reply as linstor does (or, with -m, all
    /// replies as one JSON array). Returns the exit code: 10 if any reply is an error.
    public func apply(_ requests: [RestRequest]) async throws(CLIError) -> Int32 {
        var all: [ApiCallRc] = []
        var raw: [Any] = []
        let printer = ReplyPrinter(style: style)
        for request in requests {
            let response = try await client.send(request)
            let replies = try Self.decodeReplies(response, for: request)
            all += replies
            if options.machineReadable {
                if let array = try? JSONSerialization.jsonObject(with: response.body) as? [Any] { raw += array }
            } else {
                let text = printer.render(replies)
                out(text.stdout)
                err(text.stderr)
            }
        }
        if options.machineReadable {
            let data = (try? JSONSerialization.data(withJSONObject: raw)) ?? Data("[]".utf8)
            out((try? MachineReadable.replies(data)) ?? "[]\n")
        }
        return ReplyPrinter.exitCode(for: all, warningsAreErrors: options.warnAsError)
    }

    /// A list call: the decoded value and the raw body (for -m). A failed call prints the
    /// controller's error replies and ends the command with exit code 10.
    public func fetch<T: Decodable>(_ request: RestRequest, as type: T.Type) async throws(CLIError) -> (value: T, raw: Data) {
        let response = try await client.send(request)
        guard (200..<300).contains(response.status) else {
            let replies = try Self.decodeReplies(response, for: request)
            if options.machineReadable { out((try? MachineReadable.replies(response.body)) ?? "") } else {
                let text = ReplyPrinter(style: style).render(replies)
                out(text.stdout); err(text.stderr)
            }
            throw CLIError(message: "", exitCode: ExitStatus.apiError)
        }
        do {
            if let scanned = T.self as? any ScannedReply.Type, let value = try scanned.scan([UInt8](response.body)) as? T {
                return (value, response.body)
            }
            return (try JSONDecoder().decode(T.self, from: response.body), response.body)
        } catch {
            throw CLIError(message: "The controller's reply to \(request.method.rawValue) \(request.path) does not have LINSTOR's shape: \(Self.describe(error))",
                           exitCode: ExitStatus.apiError)
        }
    }

    /// Prints list replies with -m: an array with one element per REST reply.
    public func printMachineReadable(_ bodies: [Data]) throws(CLIError) {
        do { out(try MachineReadable.list(bodies)) } catch {
            throw CLIError(message: "\(error)", exitCode: ExitStatus.apiError)
        }
    }

    /// ApiCallRc replies of any call, success or not. A reply that is not such a list (an HTML
    /// error page, a proxy) is an error naming the HTTP status and the start of the body.
    static func decodeReplies(_ response: RestResponse, for request: RestRequest) throws(CLIError) -> [ApiCallRc] {
        if let replies = try? JSONDecoder().decode([ApiCallRc].self, from: response.body) {
            if replies.isEmpty && response.status >= 400 {
                throw CLIError(message: "The controller answered \(request.method.rawValue) \(request.path) with HTTP \(response.status) and no message", exitCode: ExitStatus.apiError)
            }
            return replies
        }
        // LINSTOR sends a single ApiCallRc object in a few error paths; accept it too.
        if let single = try? JSONDecoder().decode(ApiCallRc.self, from: response.body) { return [single] }
        let excerpt = String(decoding: response.body.prefix(300), as: UTF8.self)
        throw CLIError(message: "The controller answered \(request.method.rawValue) \(request.path) with HTTP \(response.status)"
                       + (excerpt.isEmpty ? " and no body" : ": \(excerpt)"), exitCode: ExitStatus.apiError)
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing field '\(key.stringValue)' at \(path(ctx.codingPath))"
        case DecodingError.typeMismatch(let type, let ctx), DecodingError.valueNotFound(let type, let ctx):
            return "expected \(type) at \(path(ctx.codingPath))"
        case DecodingError.dataCorrupted(let ctx):
            return "\(ctx.debugDescription) at \(path(ctx.codingPath))"
        default:
            return "\(error)"
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.isEmpty ? "the top level" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
