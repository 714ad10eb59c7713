import ArgumentParser
import EngineConfig
import EngineFiles
import Logging

/// `tandem satellite`: the node agent (linstor-satellite's job).
public struct SatelliteCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "satellite",
        abstract: "Run the node agent: realize the controller's desired state on this node and report what is there.",
        discussion: """
            The controller connects to this port (3366 by default, as for linstor-satellite) and
            sends the node's desired state. The satellite creates backing volumes in the storage
            pools, writes the engine's resource files, asks the engine to adjust, and streams back
            pool capacities and per-volume disk/replication state. It never tears down what the
            engine already runs unchanged, and touches nothing it did not create itself (its
            ledger in --state-dir lists what that is).
            """
    )

    @Option(name: .long, help: "The satellite's state folder (holds its ledger).")
    var stateDir = "/var/lib/tandem/satellite"

    @Option(name: .long, help: "Address and port to accept the controller on, ADDR:PORT or :PORT.")
    var listen = ":3366"

    @Option(name: .long, help: "The engine's state folder (resource files and admin socket), as given to 'tandem engine --state-dir'.")
    var engineStateDir = EngineStateLayout.defaultStateDirectory

    @Option(name: .long, help: "Address the engine listens on for replication links (default: the --listen address, or 0.0.0.0).")
    var replicationAddress: String?

    public init() {}

    public func run() async throws {
        let (host, port) = try Self.parseListen(listen)
        var log = Logger(label: "tandem.satellite")
        log.logLevel = .info
        do {
            try AtomicFile.makeDirectories(stateDir, mode: 0o700)
        } catch {
            throw ValidationError("cannot create the state folder: \(error)")
        }
        let replicationHost = replicationAddress ?? (host == "0.0.0.0" || host == "::" ? "0.0.0.0" : host)
        let settings = SatelliteAgent.Settings(
            stateDirectory: stateDir, engineLayout: EngineStateLayout(stateDirectory: engineStateDir), replicationHost: replicationHost)
        let agent: SatelliteAgent
        do {
            agent = try SatelliteAgent(settings: settings, log: log)
        } catch {
            throw ValidationError("\(error)")
        }
        let server = SatelliteServer(host: host, port: port, agent: agent, log: log)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await agent.run() }
            group.addTask { try await server.run() }
            try await group.next()
            group.cancelAll()
        }
    }

    /// ":3366" → ("0.0.0.0", 3366); "127.0.0.2:3366"; "[::1]:3366".
    static func parseListen(_ text: String) throws -> (String, Int) {
        var host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ValidationError("--listen '\(text)': write an IPv6 address as [ADDR]:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]; portText = text[text.index(after: colon)...]
        } else {
            throw ValidationError("--listen '\(text)' must be ADDR:PORT or :PORT, e.g. 127.0.0.2:3366")
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ValidationError("--listen '\(text)': the port must be a number from 1 to 65535")
        }
        return (host.isEmpty ? "0.0.0.0" : String(host), port)
    }
}
