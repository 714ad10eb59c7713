import ArgumentParser
import Controller
import ControllerCore
import SatelliteLink
import TandemCLI

/// `tandem controller …`: without a subcommand it runs the controller; `controller version`
/// asks a running one (the linstor client's command).
struct ControllerGroup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Run the controller, or ask the running one (version).",
        subcommands: [ControllerRunCommand.self, ControllerVersionCommand.self],
        defaultSubcommand: ControllerRunCommand.self,
        aliases: ["c"])
}

struct ControllerRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the Tandem controller: LINSTOR REST API v1 on :3370, cluster database in the state folder.",
        discussion: """
        The controller keeps the cluster (nodes, storage pools, resource groups and definitions, \
        resources) in a SQLite database in --state-dir and serves LINSTOR's REST API, so \
        python-linstor and the linstor client work against it. It connects to every node's \
        satellite and pushes the node's desired state; changes for offline nodes are applied \
        when they come back. Copy controller.sqlite to another host to move the controller.

        Testing and benchmarks only: --fake-satellites KIB replaces every satellite with an \
        in-process fake that is always online, applies every change at once and reports KIB of \
        total capacity for each of its storage pools.
        """)

    @Option(name: .customLong("state-dir"), help: ArgumentHelp("Folder of the controller database.", valueName: "DIR"))
    var stateDir = "/var/lib/tandem/controller"

    @Option(name: .customLong("rest-listen"), help: ArgumentHelp("Address and port of the REST API (e.g. 0.0.0.0:3370, :3370, [::1]:3370).", valueName: "ADDR:PORT"))
    var restListen = ":3370"

    @Option(name: .customLong("fake-satellites"), help: ArgumentHelp("Testing/bench only: simulate every satellite in process, each storage pool with this total size in KiB.", valueName: "TOTAL_KIB"))
    var fakeSatellites: UInt64?

    @Option(name: .customLong("apply-wait-ms"), help: ArgumentHelp("How long resource create/autoplace/spawn wait for satellites to apply the change before answering with a warning.", valueName: "MS"))
    var applyWaitMs: Int = 2000

    func validate() throws {
        guard ControllerConfiguration.parseListen(restListen) != nil else {
            throw ValidationError("--rest-listen '\(restListen)' is not ADDR:PORT (e.g. 0.0.0.0:3370 or :3370).")
        }
        guard (0...600_000).contains(applyWaitMs) else { throw ValidationError("--apply-wait-ms must be between 0 and 600000.") }
        if let f = fakeSatellites, f == 0 { throw ValidationError("--fake-satellites needs a capacity in KiB greater than 0.") }
    }

    func run() async throws {
        let (host, port) = ControllerConfiguration.parseListen(restListen)!
        let connector: any SatelliteConnector = fakeSatellites.map { FakeSatelliteConnector(defaultPoolTotalKiB: $0) }
            ?? TCPSatelliteConnector()
        try await runController(ControllerConfiguration(stateDirectory: stateDir, host: host, port: port, applyWait: .milliseconds(applyWaitMs)),
                                connector: connector)
    }
}
