/// What is wrong, without where: the parser and validators produce these, and
/// `ResourceFileError` adds the file and line.
public struct ResourceFileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A resource file that cannot be used, with the file and line to look at:
/// `/var/lib/tandem/engine/resources/backups.res:12: unknown option 'quorom'; known options: …`.
public struct ResourceFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path (or a name such as `<desired state>` when the config did not come from a file).
    public var file: String
    /// 1-based line, nil when the problem concerns the whole file.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file; self.line = line; self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}
