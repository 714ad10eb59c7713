/// Export names are "<resource>/<volume number>"; a bare resource name means volume 0, so
/// "backups" and "backups/0" select the same export.
public struct NBDExportName: Sendable, Hashable, CustomStringConvertible {
    public var resource: String
    public var volume: Int

    public init(resource: String, volume: Int) {
        precondition(!resource.isEmpty && volume >= 0, "an export needs a resource name and a volume number")
        self.resource = resource
        self.volume = volume
    }

    /// Parses what a client sent. Returns nil for the empty name (the default export) and for
    /// names that are not "<resource>" or "<resource>/<number>".
    public init?(parsing text: String) {
        guard !text.isEmpty else { return nil }
        if let slash = text.lastIndex(of: "/") {
            let resource = String(text[..<slash])
            guard !resource.isEmpty, let volume = Int(text[text.index(after: slash)...]), volume >= 0, volume < 65536 else {
                return nil
            }
            self.init(resource: resource, volume: volume)
        } else {
            self.init(resource: text, volume: 0)
        }
    }

    public var description: String { "\(resource)/\(volume)" }
}
