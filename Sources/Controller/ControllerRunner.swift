import ControllerCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Everything `tandem controller` needs to run; the command parses flags into this.
public struct ControllerConfiguration: Sendable {
    public var stateDirectory: String
    public var host: String
    public var port: Int
    public var applyWait: Duration
    public init(stateDirectory: String, host: String, port: Int, applyWait: Duration) {
        self.stateDirectory = stateDirectory; self.host = host; self.port = port; self.applyWait = applyWait
    }

    /// "ADDR:PORT", ":PORT", "[v6]:PORT" or "ADDR" (port 3370).
    public static func parseListen(_ text: String) -> (host: String, port: Int)? {
        var host = text, port = 3370
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { guard let p = Int(rest.dropFirst()), (1...65535).contains(p) else { return nil }; port = p }
            else if !rest.isEmpty { return nil }
        } else if let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 {
            host = String(text[..<colon])
            guard let p = Int(text[text.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
        }
        if host.isEmpty { host = "0.0.0.0" }
        return (host, port)
    }
}

/// Opens the database, loads the cluster, serves REST until SIGTERM/SIGINT.
public func runController(_ config: ControllerConfiguration, connector: any SatelliteConnector) async throws {
    var logger = Logger(label: "tandem.controller")
    logger.logLevel = .info
    let store = try ControllerStore(stateDirectory: config.stateDirectory)
    let started = ContinuousClock.now
    let controller = try ClusterController(store: store, connector: connector, options: .init(applyWait: config.applyWait), logger: logger)
    let (state, _) = await controller.snapshot()
    let elapsed = ContinuousClock.now - started
    logger.info("loaded \(state.nodes.count) nodes, \(state.resourceDefinitions.count) resource definitions, \(state.resources.values.reduce(0) { $0 + $1.count }) resources from \(store.path) in \(elapsed)")
    let app = buildApplication(controller: controller, host: config.host, port: config.port, logger: logger)
    let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
    logger.info("controller stopped")
}
