import NIOConcurrencyHelpers

/// The exports a server offers, by name. Shared by every connection and changed at run time
/// (the engine adds a volume's export when it comes up and removes it when it goes down); a
/// connection that already opened an export keeps its handle.
public final class NBDExportRegistry: Sendable {
    private struct State {
        var sources: [NBDExportName: any NBDExportSource] = [:]
        var defaultExport: NBDExportName?
    }
    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Adds or replaces an export.
    public func register(_ name: NBDExportName, _ source: any NBDExportSource) {
        state.withLockedValue { $0.sources[name] = source }
    }

    public func unregister(_ name: NBDExportName) {
        state.withLockedValue {
            $0.sources[name] = nil
            if $0.defaultExport == name { $0.defaultExport = nil }
        }
    }

    /// The export a client gets when it asks for the empty name.
    public func setDefault(_ name: NBDExportName?) {
        state.withLockedValue { $0.defaultExport = name }
    }

    /// Looks up what a client asked for: "" is the default export, "res" means "res/0".
    public func lookup(_ requested: String) -> (name: NBDExportName, source: any NBDExportSource)? {
        state.withLockedValue { state in
            let name = requested.isEmpty ? state.defaultExport : NBDExportName(parsing: requested)
            guard let name, let source = state.sources[name] else { return nil }
            return (name, source)
        }
    }

    /// Every export, sorted by name so LIST is stable.
    public func all() -> [(name: NBDExportName, source: any NBDExportSource)] {
        state.withLockedValue { state in
            state.sources.map { ($0.key, $0.value) }.sorted { ($0.name.resource, $0.name.volume) < ($1.name.resource, $1.name.volume) }
        }
    }
}
