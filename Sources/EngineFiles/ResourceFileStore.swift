import EngineConfig

/// The resource files of one engine state folder: what the satellite writes and the engine
/// reads. Writes are atomic (`AtomicFile.write`); a reader never sees half a file.
public struct ResourceFileStore: Sendable {
    public let layout: EngineStateLayout

    public init(layout: EngineStateLayout) { self.layout = layout }

    /// One file that could not be used, and why (the error names the file and line).
    public enum LoadFailure: Error, Sendable, CustomStringConvertible {
        case unreadable(FileOperationError)
        case invalid(ResourceFileError)
        public var description: String {
            switch self {
            case .unreadable(let e): e.description
            case .invalid(let e): e.description
            }
        }
    }

    /// Reads and parses `<resources>/<name>.res`; the name inside must match the file name.
    public func load(_ name: String) throws(LoadFailure) -> ResourceConfig {
        try load(path: layout.resourceFilePath(name))
    }

    public func load(path: String) throws(LoadFailure) -> ResourceConfig {
        let bytes: [UInt8]
        do {
            bytes = try AtomicFile.read(path, bytesMax: 1 << 20)
        } catch {
            throw .unreadable(error)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalid(ResourceFileError(file: path, line: nil, message: "is not UTF-8 text"))
        }
        let config: ResourceConfig
        do { config = try ResourceFileParser.parse(text, file: path) } catch { throw .invalid(error) }
        let expected = config.fileName
        guard path.hasSuffix("/" + expected) || path == expected else {
            throw .invalid(ResourceFileError(file: path, line: nil, message: "defines resource '\(config.name)' but a resource file must be named after its resource (\(expected))"))
        }
        return config
    }

    /// Every `*.res` file in the resources folder, in name order: the good ones parsed, the bad
    /// ones as failures so the engine can bring up the rest and report these.
    public func loadAll() throws(FileOperationError) -> (configs: [ResourceConfig], failures: [LoadFailure]) {
        guard AtomicFile.exists(layout.resourcesDirectory) else { return ([], []) }
        var configs: [ResourceConfig] = [], failures: [LoadFailure] = []
        for name in try AtomicFile.listDirectory(layout.resourcesDirectory) where name.hasSuffix(EngineStateLayout.resourceFileExtension) {
            do {
                configs.append(try load(path: layout.resourcesDirectory + "/" + name))
            } catch {
                failures.append(error)
            }
        }
        return (configs, failures)
    }

    /// Names of the resource files present (without `.res`), whether or not they parse.
    public func resourceNames() throws(FileOperationError) -> [String] {
        guard AtomicFile.exists(layout.resourcesDirectory) else { return [] }
        return try AtomicFile.listDirectory(layout.resourcesDirectory)
            .filter { $0.hasSuffix(EngineStateLayout.resourceFileExtension) }
            .map { String($0.dropLast(EngineStateLayout.resourceFileExtension.count)) }
    }

    /// Writes the canonical text atomically. Returns false (and writes nothing) when the file
    /// already has exactly this content, so the satellite can skip a needless `adjust`.
    @discardableResult
    public func write(_ config: ResourceConfig) throws(FileOperationError) -> Bool {
        try AtomicFile.makeDirectories(layout.resourcesDirectory)
        let path = layout.resourceFilePath(config.name)
        let text = ResourceFileWriter.canonicalText(config)
        if AtomicFile.exists(path), let current = try? AtomicFile.read(path, bytesMax: 1 << 20), current == Array(text.utf8) {
            return false
        }
        try AtomicFile.write(text, to: path)
        return true
    }

    /// Removes a resource file (the engine keeps running the resource until `down`).
    public func remove(_ name: String) throws(FileOperationError) {
        try AtomicFile.remove(layout.resourceFilePath(name))
    }
}
