import ArgumentParser
import NBDClient

/// Where the workload tools find the export: an NBD server's unix socket or TCP address.
struct NBDTargetOptions: ParsableArguments {
    @Option(help: "Unix socket of the NBD server (e.g. an engine's <state-dir>/run/nbd.sock).")
    var socket: String?

    @Option(help: "TCP address of the NBD server as HOST:PORT.")
    var tcp: String?

    @Option(help: "Export name: RESOURCE/VOLUME, e.g. backups/0.")
    var export: String

    func validate() throws {
        guard (socket == nil) != (tcp == nil) else {
            throw ValidationError("give exactly one of --socket PATH or --tcp HOST:PORT: where the NBD server listens")
        }
        if let tcp { _ = try NBDServeCommand.parseHostPort(tcp) }
    }

    var place: String { socket.map { "unix socket \($0)" } ?? "tcp \(tcp ?? "")" }

    func connect() async throws -> NBDClient {
        do {
            if let socket { return try await NBDClient.connect(unixSocket: socket, export: export) }
            let (host, port) = try NBDServeCommand.parseHostPort(tcp ?? "")
            return try await NBDClient.connect(host: host, port: port, export: export)
        } catch {
            throw CommandFailure(message: "cannot open export \"\(export)\" on \(place): \(error)")
        }
    }
}
