import ArgumentParser
@preconcurrency import Dispatch
import EngineAdminClient
import EngineConfig
import Foundation
import TandemCLI
import LocalDevice
import NBDClient
import NBDServer

/// `tandem nbd attach`: a local block device for an NBD export, without the kernel nbd module.
struct NBDAttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Attach an NBD export as a local block device (FUSE file + loop device).",
        discussion: """
        Connects to the NBD server on SOCKET, selects EXPORT, serves it as the file \
        MOUNTPOINT/device through FUSE and attaches that file to a loop device with direct I/O. \
        Prints the device path (e.g. /dev/loop0) on the first line of output, then runs until \
        SIGINT or SIGTERM, when it detaches the loop device and unmounts the FUSE file. It \
        refuses to detach while the device is mounted: unmount it first, then signal again.

        When SOCKET is the NBD socket of the engine in --engine-state-dir and EXPORT one of its \
        volumes, the device is registered with that engine exactly as `tandem adm attach` does: \
        `tandem adm status -v`, `tandem volume list` (DeviceName) and InUse show it, and it is \
        detached by itself when the resource goes down. Any other NBD server (`tandem nbd serve`, \
        qemu-nbd) gets a device that no engine knows about.

        This is the path for kernels without the nbd module (the engine uses the same library for \
        `tandem adm attach`). Needs root, /dev/fuse and /dev/loop-control. Loop over FUSE can \
        deadlock under memory pressure; see docs/local-device.md for the limits.
        """
    )

    @Argument(help: "Unix socket of the NBD server (e.g. the engine's or `tandem nbd serve`'s).")
    var socket: String

    @Argument(help: "Export name: RESOURCE or RESOURCE/VOLUME.")
    var export: String

    @OptionGroup var localDevice: LocalDeviceOptions

    @Option(help: "State folder of the engine whose socket SOCKET may be; an export of that engine is registered with it. Default: \(EngineStateLayout.defaultStateDirectory); given explicitly, the engine must serve EXPORT on SOCKET.")
    var engineStateDir: String?

    func run() async throws {
        if let reason = LocalDeviceAttachment.unavailableReason() {
            throw CommandFailure(message: "cannot attach a local device here: \(reason)")
        }
        var unregisteredBecause = ""
        switch await engineServing() {
        case .engine(let name, let engine):
            try await RegisteredAttachment.run(name, engine: engine, socket: socket, localDevice: localDevice)
            return
        case .notEngine(let why):
            if let dir = engineStateDir {
                throw CommandFailure(message: "cannot attach \"\(export)\" as a device of the engine in \(dir): \(why)")
            }
            unregisteredBecause = why
        }
        let client: NBDClient
        do {
            client = try await NBDClient.connect(unixSocket: socket, export: export)
        } catch {
            throw CommandFailure(message: "cannot open export \"\(export)\" on \(socket): \(error)")
        }
        let folder = localDevice.mountpoint ?? "/run/tandem/attach/\(export.replacingOccurrences(of: "/", with: "-"))-\(getpid())"
        let attachment = try await LocalDeviceAttachment.attach(export: client, mountpoint: folder, fuseDirectIO: !localDevice.fuseCache)
        emit(attachment.devicePath)
        emit("attached export \(export) (\(client.size) bytes) as \(attachment.devicePath) via \(folder)/device; SIGINT/SIGTERM detaches")
        emit("not registered with an engine: \(socket) is not the NBD socket of the engine in \(EngineStateLayout.defaultStateDirectory) (\(unregisteredBecause))")

        for await _ in Self.terminationSignals() {
            do {
                try await attachment.detach()
                if localDevice.mountpoint == nil { try? FileManager.default.removeItem(atPath: folder) }
                emit("detached \(attachment.devicePath)")
                return
            } catch {
                emit("not detached: \(error)")
            }
        }
    }

    enum Server {
        case engine(NBDExportName, EngineAdminClient)
        case notEngine(String)
    }

    /// Whether the engine in the state folder serves EXPORT on SOCKET (same file, however the
    /// two paths are spelled), and why not when it does not.
    func engineServing() async -> Server {
        guard let name = NBDExportName(parsing: export) else {
            return .notEngine("'\(export)' is not RESOURCE or RESOURCE/VOLUME")
        }
        let dir = engineStateDir ?? EngineStateLayout.defaultStateDirectory
        let engine = EngineAdminClient(layout: EngineStateLayout(stateDirectory: dir))
        let served: String
        do {
            served = try await AdmCommand.Attach.nbdSocket(of: name, engine: engine)
        } catch let failure as CommandFailure {
            return .notEngine(failure.message)
        } catch {
            return .notEngine("\(error)")
        }
        guard Self.sameFile(served, socket) else {
            return .notEngine("that engine serves \(name) on \(served), not on \(socket)")
        }
        return .engine(name, engine)
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Unbuffered, so a script reading the device path sees it at once.
    private func emit(_ line: String) {
        StandardStreams.out(line + "\n")
    }

    static func terminationSignals() -> AsyncStream<Int32> {
        AsyncStream { continuation in
            let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                return source
            }
            let box = SignalSources(sources)
            continuation.onTermination = { _ in box.sources.forEach { $0.cancel() } }
        }
    }
}

/// Keeps the signal sources alive for as long as the stream is.
private final class SignalSources: @unchecked Sendable {
    // @unchecked: set once, only cancelled afterwards (DispatchSource is thread-safe).
    let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
}
