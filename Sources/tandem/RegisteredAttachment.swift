import EngineAdminClient
import Foundation
import TandemCLI
import LocalDevice
import NBDClient
import NBDServer

/// A local block device for one of an engine's volumes that the engine knows about: it is
/// registered with the engine for as long as it exists, so `tandem adm status -v`, the satellite
/// and `volume list` (DeviceName, InUse) show it, and it is detached by itself when the resource
/// goes down. `tandem adm attach` and `tandem nbd attach` (on an engine's socket) both end here.
enum RegisteredAttachment {
    /// Attaches `name` served on `socket` by `engine` and runs until a signal or the resource
    /// going away detaches it.
    static func run(_ name: NBDExportName, engine: EngineAdminClient, socket: String, localDevice: LocalDeviceOptions) async throws {
        if let mountpoint = localDevice.mountpoint {
            do {
                // On stderr: the first line of standard output is the device path.
                // losetup -d and umount -l runs: off the cooperative pool (BlockingWork).
                for line in try await BlockingWork.run({ try StaleAttachment.clear(mountpoint: mountpoint) }) {
                    StandardStreams.err(line + "\n")
                }
            } catch {
                throw CommandFailure(message: "cannot attach \(name) at \(mountpoint): \(error)")
            }
        }
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
        var busyRetries = 0
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
                    // Right after an unmount the device can still be claimed for a moment (the
                    // cluster tier saw it once in seven runs of the demo's umount + SIGTERM): try
                    // again for 2 s before telling the person to unmount what they just unmounted.
                    if busyRetries < 8, "\(error)".contains("in use") {
                        busyRetries += 1
                        Task { try? await Task.sleep(for: .milliseconds(250)); waker.yield(.retry) }
                    } else {
                        busyRetries = 0
                        Self.emit("not detached: \(error)")
                    }
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

    /// Unbuffered, so a script reading the device path sees it at once.
    static func emit(_ line: String) {
        StandardStreams.out(line + "\n")
    }
}
