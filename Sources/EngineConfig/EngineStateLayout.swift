/// Where things live under an engine's state folder (default /var/lib/tandem/engine):
///
///     <state>/resources/<name>.res       resource files, written by the satellite (or a person)
///     <state>/metadata/<name>/<vol>.md   per-volume metadata records, written only by the engine
///     <state>/run/admin.sock             the admin socket `tandem adm` and the satellite talk to
///
/// The NBD socket is separate (default /run/tandem/nbd.sock) because consumers look for it in
/// the runtime folder, not in the engine's private state.
public struct EngineStateLayout: Sendable, Equatable {
    public var stateDirectory: String

    public static let defaultStateDirectory = "/var/lib/tandem/engine"
    public static let defaultNBDSocketPath = "/run/tandem/nbd.sock"
    public static let resourceFileExtension = ".res"

    public init(stateDirectory: String = EngineStateLayout.defaultStateDirectory) {
        var dir = stateDirectory
        while dir.count > 1 && dir.hasSuffix("/") { dir.removeLast() }
        self.stateDirectory = dir
    }

    public var resourcesDirectory: String { stateDirectory + "/resources" }
    public var metadataDirectory: String { stateDirectory + "/metadata" }
    public var runDirectory: String { stateDirectory + "/run" }
    public var adminSocketPath: String { runDirectory + "/admin.sock" }

    public func resourceFilePath(_ resource: String) -> String {
        resourcesDirectory + "/" + resource + Self.resourceFileExtension
    }

    public func metadataDirectory(_ resource: String) -> String { metadataDirectory + "/" + resource }

    public func metadataPath(_ resource: String, volume: Int) -> String {
        metadataDirectory(resource) + "/\(volume).md"
    }
}
