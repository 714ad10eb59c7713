import ArgumentParser
import Logging
import NBDProtocol
import NBDServer
import NIOPosix

/// `tandem nbd …`: developer tools around the NBD server, outside the replication engine.
struct NBDToolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nbd",
        abstract: "Developer tools for Tandem's NBD server (not needed to run a cluster).",
        subcommands: [NBDServeCommand.self, NBDAttachCommand.self, NBDWorkloadCommand.self, NBDVerifyCommand.self]
    )
}

struct NBDServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve one file over NBD, unreplicated.",
        discussion: """
        Serves FILE as a single NBD export with Tandem's NBD server, exactly as the engine serves a \
        volume but with no replication, no roles and no metadata. It exists for testing the NBD \
        layer with real clients (qemu-io, qemu-img, nbdinfo, nbdcopy, fio) and for benchmarking it \
        against nbdkit's file plugin. Do not use it for data you want to keep replicated.

        The export is named NAME (default "file", so "file/0"); it is also the default export for \
        clients that send an empty name. Example:
          tandem nbd serve disk.img --socket /tmp/nbd.sock
          nbdinfo 'nbd+unix:///file?socket=/tmp/nbd.sock'
        """
    )

    @Argument(help: "The file (or block device) to serve; its current size is the export size.")
    var file: String

    @Option(help: "Unix socket path to listen on (a stale socket file there is replaced).")
    var socket: String?

    @Option(help: "TCP address to listen on as HOST:PORT, e.g. 127.0.0.1:10809.")
    var tcp: String?

    @Option(help: "Export name (resource name, optionally /VOLUME).")
    var name: String = "file"

    @Flag(help: "Refuse every write command with NBD_EPERM.")
    var readOnly = false

    @Option(help: "Requests served at once per connection before the server stops reading.")
    var inflightMax = 64

    @Option(help: "Threads doing file I/O.")
    var ioThreads = 4

    func validate() throws {
        guard socket != nil || tcp != nil else {
            throw ValidationError("give --socket PATH and/or --tcp HOST:PORT: the server needs somewhere to listen")
        }
        if let tcp { _ = try Self.parseHostPort(tcp) }
        guard NBDExportName(parsing: name) != nil else {
            throw ValidationError("export name \"\(name)\" is not RESOURCE or RESOURCE/VOLUME")
        }
        guard (1...4096).contains(inflightMax) else { throw ValidationError("--inflight-max must be between 1 and 4096") }
        guard (1...256).contains(ioThreads) else { throw ValidationError("--io-threads must be between 1 and 256") }
    }

    static func parseHostPort(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (0...65535).contains(port), colon != text.startIndex else {
            throw ValidationError("--tcp \"\(text)\" is not HOST:PORT (e.g. 127.0.0.1:10809)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .notice
            return handler
        }
        let pool = NIOThreadPool(numberOfThreads: ioThreads)
        pool.start()
        let export: NBDFileExport
        do {
            export = try NBDFileExport(path: file, readOnly: readOnly, threadPool: pool)
        } catch {
            throw CommandFailure(message: "\(error)")
        }
        let registry = NBDExportRegistry()
        let exportName = NBDExportName(parsing: name)!
        registry.register(exportName, export)
        registry.setDefault(exportName)
        let server = NBDServer(registry: registry, configuration: .init(inflightMax: inflightMax))
        if let socket {
            try await server.listen(unixSocket: socket)
            print("serving \(file) (\(export.size) bytes) as \(exportName) on unix socket \(socket)")
        }
        if let tcp {
            let (host, port) = try Self.parseHostPort(tcp)
            let address = try await server.listen(host: host, port: port)
            print("serving \(file) (\(export.size) bytes) as \(exportName) on tcp \(address)")
        }
        // Serve until killed; connections and the socket die with the process.
        while true {
            try await Task.sleep(for: .seconds(3600))
        }
    }
}
