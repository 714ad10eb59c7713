import ArgumentParser
import Engine
import EngineConfig
import Logging

/// `tandem engine`: the per-node data-plane daemon.
struct EngineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Run the replication engine: replicate every resource in the state folder and serve its volumes over NBD.",
        discussion: """
        At start the engine brings up every resource file in <state-dir>/resources (the .res \
        analogue; format in docs/resource-files.md), with no other process needed. Control it with \
        `tandem adm` over <state-dir>/run/admin.sock. Volumes are served as NBD exports named \
        RESOURCE/VOLUME (e.g. nbd+unix:///backups/0?socket=/run/tandem/nbd.sock). SIGTERM takes \
        every resource down cleanly.
        """
    )

    @Option(name: .long, help: "The engine's state folder (resource files, metadata, admin socket).")
    var stateDir: String = EngineStateLayout.defaultStateDirectory

    @Option(name: .long, help: "Unix socket for NBD clients.")
    var nbdSocket: String = EngineStateLayout.defaultNBDSocketPath

    @Option(name: .long, help: "Also serve NBD on TCP at HOST:PORT (e.g. 127.0.0.1:10809).")
    var nbdListen: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        var tcp: EndpointAddress?
        if let text = nbdListen {
            switch EndpointAddress.parse(text) {
            case .success(let a): tcp = a
            case .failure(let problem): throw ValidationError("--nbd-listen: \(problem.message)")
            }
        }
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: unknown level '\(logLevel)'") }
        var logger = Logger(label: "tandem.engine")
        logger.logLevel = level
        do {
            try await EngineDaemon.run(.init(stateDirectory: stateDir, nbdSocketPath: nbdSocket, nbdTCP: tcp), logger: logger)
        } catch {
            throw CommandFailure(message: "tandem engine: \(error)")
        }
    }
}
