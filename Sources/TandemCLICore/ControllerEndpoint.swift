import Foundation

/// One controller the CLI may talk to. The linstor client accepts `host`, `host:port`,
/// `[v6addr]:port` and `linstor://host[:port]` (plain HTTP); the default port is 3370.
public struct ControllerEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public static let defaultPort = 3370

    public init(host: String, port: Int = ControllerEndpoint.defaultPort) { self.host = host; self.port = port }

    /// As the linstor client names it in messages: `linstor://host:port`.
    public var description: String {
        host.contains(":") ? "linstor://[\(host)]:\(port)" : "linstor://\(host):\(port)"
    }

    /// Value for the HTTP Host header.
    public var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct ControllerListError: Error, Equatable, CustomStringConvertible, Sendable {
    public let entry: String
    public let reason: String
    public var description: String { "invalid controller '\(entry)': \(reason)" }
}

extension ControllerEndpoint {
    /// Parses one entry of `--controllers` or `LS_CONTROLLERS`.
    public static func parse(_ entry: String) throws(ControllerListError) -> ControllerEndpoint {
        var rest = Substring(entry.trimmingSpaces())
        guard !rest.isEmpty else { throw ControllerListError(entry: entry, reason: "it is empty") }
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            switch scheme {
            case "linstor", "http": break
            case "linstor+ssl", "https":
                throw ControllerListError(entry: entry, reason: "HTTPS (\(scheme)://) is not supported by tandem; use linstor://host:3370")
            default:
                throw ControllerListError(entry: entry, reason: "unknown scheme '\(scheme)://'; use linstor://host[:port] or host[:port]")
            }
            rest = rest[schemeEnd.upperBound...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/") else { throw ControllerListError(entry: entry, reason: "a controller is host[:port], without a path") }
        var host: Substring, portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw ControllerListError(entry: entry, reason: "an IPv6 address in brackets needs its closing ']'")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.isEmpty { portText = nil } else if after.hasPrefix(":") { portText = after.dropFirst() } else {
                throw ControllerListError(entry: entry, reason: "expected ':port' after ']'")
            }
        } else if rest.filter({ $0 == ":" }).count > 1 {
            host = rest; portText = nil  // a bare IPv6 address
        } else if let colon = rest.firstIndex(of: ":") {
            host = rest[..<colon]; portText = rest[rest.index(after: colon)...]
        } else {
            host = rest; portText = nil
        }
        guard !host.isEmpty else { throw ControllerListError(entry: entry, reason: "the host is missing") }
        var port = defaultPort
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else {
                throw ControllerListError(entry: entry, reason: "'\(portText)' is not a TCP port (1-65535)")
            }
            port = p
        }
        return ControllerEndpoint(host: String(host), port: port)
    }

    /// The controllers to try, in order: `--controllers` entries first, then `LS_CONTROLLERS`
    /// (both comma-separated), as the linstor client orders them; `localhost:3370` if neither
    /// names any. Duplicates are tried once.
    public static func list(flag: String?, environment: String?) throws(ControllerListError) -> [ControllerEndpoint] {
        var result: [ControllerEndpoint] = []
        for source in [flag, environment] {
            guard let source else { continue }
            for entry in source.split(separator: ",") where !entry.trimmingSpaces().isEmpty {
                let endpoint = try parse(String(entry))
                if !result.contains(endpoint) { result.append(endpoint) }
            }
        }
        return result.isEmpty ? [ControllerEndpoint(host: "localhost")] : result
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
