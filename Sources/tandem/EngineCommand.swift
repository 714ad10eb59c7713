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
        RESOURCE/VOLUME, or RESOURCE for volume 0 (e.g. \
        nbd+unix:///backups/0?socket=/run/tandem/nbd.sock). SIGTERM or SIGINT takes every resource \
        down cleanly, as `drbdadm down` does, except that a Primary whose export an NBD client \
        still holds open stays Primary and comes back as a crashed one (its activity log is \
        resynced). Reference: docs/engine.md.
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

    @Option(name: .customLong("nbd-poll-us"), help: ArgumentHelp(
        "Longest busy-poll of the NBD connections, in µs, before the engine's data thread sleeps (0 to \(EngineDaemon.maxNBDIdlePollMicroseconds)). It adapts: it grows while a client sends its next request that soon after a reply and turns off when requests come later, so only a client at low queue depth and high rate gets it, at the cost of CPU while it lasts. It saves that client a thread wake-up per request (tens of µs in a VM). 0 turns it off.",
        valueName: "US"))
    var nbdPollUs: Int = EngineDaemon.defaultNBDIdlePollMicroseconds

    /// Bad options are refused here, not in `run`: ArgumentParser prints the usage of the command
    /// whose `validate` threw, while a ValidationError from `run` came with the root's
    /// "Usage: tandem <subcommand>", which tells an operator nothing about `tandem engine`.
    func validate() throws {
        if let text = nbdListen, case .failure(let problem) = EndpointAddress.parse(text) {
            throw ValidationError("--nbd-listen: \(problem.message)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: unknown level '\(logLevel)'; give one of trace, debug, info, notice, warning, error, critical")
        }
        guard (0...EngineDaemon.maxNBDIdlePollMicroseconds).contains(nbdPollUs) else {
            throw ValidationError("--nbd-poll-us: \(nbdPollUs) is out of range; give 0 (off) to \(EngineDaemon.maxNBDIdlePollMicroseconds) µs")
        }
    }

    func run() async throws {
        // Both parse: `validate` refused anything else.
        let tcp = nbdListen.flatMap { try? EndpointAddress.parse($0).get() }
        var logger = Logger(label: "tandem.engine")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        do {
            try await EngineDaemon.run(.init(stateDirectory: stateDir, nbdSocketPath: nbdSocket, nbdTCP: tcp,
                                                   nbdIdlePollMicroseconds: nbdPollUs), logger: logger)
        } catch {
            throw CommandFailure(message: "tandem engine: \(error)")
        }
    }
}
