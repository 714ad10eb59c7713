import ArgumentParser
@preconcurrency import Dispatch
import EngineAdmin
import EngineAdminClient
import Foundation
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
            Not drbdadm's attach: the backing disk is attached by `up` and detached by `down`; \
            this makes the replicated volume usable on this node, as /dev/drbdN is with DRBD.

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
            let engine = adm.client
            let socket = try await Self.nbdSocket(of: name, engine: engine)
            try await RegisteredAttachment.run(name, engine: engine, socket: socket, localDevice: localDevice)
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
    }
}
