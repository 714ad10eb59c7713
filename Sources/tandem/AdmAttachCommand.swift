import ArgumentParser
@preconcurrency import Dispatch
import EngineAdmin
import EngineAdminClient
import Foundation
import TandemCLI
import LocalDevice
import NBDClient
import NBDServer

extension AdmCommand {
    /// `tandem adm attach RES[/VOL]`: a local block device for one of this engine's volumes,
    /// registered with the engine so `status`, the satellite and `volume list` show it, and
    /// detached by itself when the resource goes down.
    struct Attach: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Attach a volume as a local block device (FUSE file + loop device) and keep it attached.",
            discussion: """
            Opens the volume's NBD export on this node (which makes this node Primary; refused \
            while another node is Primary), serves it as MOUNTPOINT/device through FUSE, attaches \
            that file to a loop device with direct I/O, and registers the device with the engine, \
            so `tandem adm status -v`, `tandem volume list` (DeviceName) and InUse show it. Prints \
            the device path on the first line of output, then runs until:

              SIGINT/SIGTERM: detaches and exits (refused while the device is mounted: unmount, \
            then signal again);
              the resource goes down (resource deleted, engine stopped): detaches and exits. If \
            the device is still mounted then, nothing is unmounted: the file system gets I/O \
            errors, this command says so and detaches as soon as it is unmounted.

            Needs root, /dev/fuse and /dev/loop-control. See docs/local-device.md for the limits.
            """
        )
        @ParentCommand var adm: AdmCommand

        @Argument(help: "RESOURCE or RESOURCE/VOLUME (volume 0 by default).")
        var export: String

        @OptionGroup var localDevice: LocalDeviceOptions

        func run() async throws {
            guard let name = NBDExportName(parsing: export) else {
                throw ValidationError("'\(export)' is not RESOURCE or RESOURCE/VOLUME")
            }
            if let reason = LocalDeviceAttachment.unavailableReason() {
                throw CommandFailure(message: "cannot attach a local device here: \(reason)")
            }
            if let mountpoint = localDevice.mountpoint {
                do {
                    // On stderr: the first line of standard output is the device path.
                    for line in try StaleAttachment.clear(mountpoint: mountpoint) {
                        StandardStreams.err(line + "\n")
                    }
                } catch {
                    throw CommandFailure(message: "cannot attach \(name) at \(mountpoint): \(error)")
                }
            }
            let engine = adm.client
            let socket = try await Self.nbdSocket(of: name, engine: engine)
            let client = try await Self.open(name, socket: socket)
            let folder = localDevice.mountpoint ?? "/run/tandem/attach/\(name.resource)-\(name.volume)-\(getpid())"
            let attachment: LocalDeviceAttachment
            do {
                attachment = try await LocalDeviceAttachment.attach(export: client, mountpoint: folder, fuseDirectIO: !localDevice.fuseCache)
            } catch {
                await client.close()
                throw CommandFailure(message: "cannot attach \(name): \(error)")
            }
            let device = attachment.devicePath

            let (wake, waker) = AsyncStream<Wake>.makeStream(bufferingPolicy: .bufferingNewest(16))
            let signals = Task { for await _ in NBDAttachCommand.terminationSignals() { waker.yield(.signal) } }
            let hold = Task {
                do {
                    let reason = try await engine.holdDevice(name.resource, volume: name.volume, devicePath: device) {
                        waker.yield(.registered)
                    }
                    waker.yield(.gone(reason))
                } catch {
                    waker.yield(.refused("\(error)"))
                }
            }
            defer { signals.cancel(); hold.cancel() }

            var gone: String?
            var toldMounted = false
            for await event in wake {
                switch event {
                case .registered:
                    Self.emit(device)
                    Self.emit("attached \(name) (\(client.size) bytes) as \(device) via \(folder)/device, registered with the engine; SIGINT/SIGTERM detaches")
                    continue
                case .refused(let why) where gone == nil:
                    // The engine refused the registration, or the connection to it broke.
                    gone = why
                    Self.emit("\(name): no registration with the engine (\(why)); detaching")
                case .gone(let why):
                    gone = why
                    Self.emit("\(name) went away: \(why)")
                case .signal, .retry, .refused:
                    break
                }
                do {
                    try await attachment.detach()
                    if localDevice.mountpoint == nil { try? FileManager.default.removeItem(atPath: folder) }
                    Self.emit("detached \(device)")
                    if let gone { throw CommandFailure(message: "\(name) is no longer served (\(gone)); \(device) was detached") }
                    // Ending the registration demotes this node; wait for it so that another node
                    // may attach as soon as this command has returned.
                    hold.cancel()
                    await Self.waitUntilSecondary(name.resource, engine: engine)
                    return
                } catch let failure as CommandFailure {
                    throw failure
                } catch {
                    if gone == nil {
                        Self.emit("not detached: \(error)")
                    } else {
                        if !toldMounted {
                            Self.emit("\(device) is still in use (mounted?) although \(name) is gone: its I/O now fails. Nothing was unmounted; unmount it and \(device) is detached right after.")
                            toldMounted = true
                        }
                        Task { try? await Task.sleep(for: .seconds(1)); waker.yield(.retry) }
                    }
                }
            }
        }

        enum Wake: Sendable { case registered, signal, retry, gone(String), refused(String) }

        /// Opens the export. A refusal because another node is Primary is retried for up to 3 s:
        /// a node that just detached demotes a moment after its attach command returned.
        static func open(_ name: NBDExportName, socket: String) async throws -> NBDClient {
            let deadline = ContinuousClock.now + .seconds(3)
            while true {
                do {
                    return try await NBDClient.connect(unixSocket: socket, export: name.description)
                } catch {
                    if "\(error)".contains("NBD_REP_ERR_POLICY"), ContinuousClock.now < deadline {
                        try await Task.sleep(for: .milliseconds(200))
                        continue
                    }
                    throw CommandFailure(message: "cannot open \(name) on \(socket): \(error)")
                }
            }
        }

        static func waitUntilSecondary(_ resource: String, engine: EngineAdminClient) async {
            for _ in 0..<50 {
                if let role = try? await engine.status(resource).first?.role, role != "Primary" { return }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }

        /// The unix socket the engine serves the volume's export on (from its status).
        static func nbdSocket(of name: NBDExportName, engine: EngineAdminClient) async throws -> String {
            let reports: [ResourceReport]
            do { reports = try await engine.status(name.resource) } catch {
                throw CommandFailure(message: "cannot attach \(name): \(error)")
            }
            guard let volume = reports.first?.volumes.first(where: { $0.volume == name.volume }) else {
                throw CommandFailure(message: "cannot attach \(name): the engine has no volume \(name.volume) of \(name.resource) up")
            }
            guard let uri = volume.nbdExport, let range = uri.range(of: "?socket=") else {
                throw CommandFailure(message: "cannot attach \(name): the engine serves no NBD unix socket (start it with --nbd-socket)")
            }
            return String(uri[range.upperBound...])
        }

        /// Unbuffered, so a script reading the device path sees it at once.
        static func emit(_ line: String) {
            StandardStreams.out(line + "\n")
        }
    }
}
