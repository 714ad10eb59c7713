/// Prints ApiCallRc replies exactly as the linstor client's `Output.handle_ret` does:
///
///     SUCCESS:
///     Description:
///         New node 'alpha' registered.
///     Details:
///         Node 'alpha' UUID is: …
///
/// "Description:" appears only when a cause, correction or details follow; every text is
/// indented by four spaces, line by line. Error report ids, when the controller gives any, are
/// listed under "Show reports:".
public struct ReplyPrinter: Sendable {
    public var style: TerminalStyle

    public init(style: TerminalStyle) { self.style = style }

    /// One reply as text (ending in a newline).
    public func render(_ rc: ApiCallRc) -> String {
        var out: String
        switch rc.category {
        case .error: out = style.paint("ERROR:", .red) + "\n"
        case .warning: out = style.paint("WARNING:", .yellow) + "\n"
        case .info: out = "INFO: "
        case .success: out = style.paint("SUCCESS:", .green) + "\n"
        }
        let hasMessage = !rc.message.isEmpty
        let cause = rc.cause ?? "", correction = rc.correction ?? "", details = rc.details ?? ""
        if hasMessage && !(cause.isEmpty && correction.isEmpty && details.isEmpty) {
            out += "Description:\n"
        }
        if hasMessage { out += Self.indented(rc.message) }
        if !cause.isEmpty { out += "Cause:\n" + Self.indented(cause) }
        if !correction.isEmpty { out += "Correction:\n" + Self.indented(correction) }
        if !details.isEmpty { out += "Details:\n" + Self.indented(details) }
        if let ids = rc.errorReportIds, !ids.isEmpty {
            out += "Show reports:\n" + Self.indented(ids.joined(separator: " "))
        }
        return out
    }

    /// Splits replies the way a person reads them: errors (for stderr) and everything else
    /// (for stdout), each in the order the controller sent them.
    public func render(_ replies: [ApiCallRc]) -> (stdout: String, stderr: String) {
        var stdout = "", stderr = ""
        for rc in replies {
            if rc.category == .error { stderr += render(rc) } else { stdout += render(rc) }
        }
        return (stdout, stderr)
    }

    /// The exit code linstor uses for a set of replies: 10 (API_ERROR) if any is an error, or a
    /// warning when warnings count as errors; 0 otherwise.
    public static func exitCode(for replies: [ApiCallRc], warningsAreErrors: Bool = false) -> Int32 {
        for rc in replies {
            if rc.category == .error || (warningsAreErrors && rc.category == .warning) { return ExitStatus.apiError }
        }
        return ExitStatus.ok
    }

    static func indented(_ text: String) -> String {
        var out = ""
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for line in lines { out += "    " + line + "\n" }
        return out
    }
}

/// The linstor client's exit codes (linstor_client/consts.py), which scripts rely on.
public enum ExitStatus {
    public static let ok: Int32 = 0
    public static let usage: Int32 = 2
    public static let apiError: Int32 = 10
    public static let connectionError: Int32 = 20
    public static let connectionTimeout: Int32 = 21
}
