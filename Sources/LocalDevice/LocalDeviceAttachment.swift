import CTandemIO
import Foundation
import NBDProtocol

/// A local block device for an export: the export served as a FUSE file, that file put on a loop
/// device with direct I/O. This is how a volume gets a /dev path on a kernel without the nbd
/// module. The export's own backing storage must never live on the device it exports (that
/// would loop writeback through itself); `attach` refuses a file export stored on a loop device
/// this process attached.
public final class LocalDeviceAttachment: Sendable {
    public let devicePath: String
    public let mountpoint: String
    private let file: FuseExportFile
    private let loop: LoopDevice
    /// This process's open descriptor of the loop device, held for the attachment's lifetime.
    /// The device is set to auto-clear, so when this process dies (kill -9) the kernel detaches
    /// it at the last close (or at the unmount of a file system still on it) instead of leaving
    /// a loop device bound to a FUSE file nobody serves.
    private let holder: Int32

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private init(file: FuseExportFile, loop: LoopDevice, holder: Int32) {
        self.file = file
        self.loop = loop
        self.holder = holder
        self.devicePath = loop.path
        self.mountpoint = file.mountpoint
    }

    /// Preconditions the machine must meet; nil if a local device can be attached here.
    public static func unavailableReason() -> String? {
        if getuid() != 0 { return "attaching a loop device needs root" }
        if access("/dev/fuse", R_OK | W_OK) != 0 { return "/dev/fuse is missing or not accessible" }
        if access("/dev/loop-control", R_OK | W_OK) != 0 { return "/dev/loop-control is missing (no loop driver)" }
        return nil
    }

    /// Mounts the export as `<mountpoint>/device` and attaches a loop device to it.
    /// `mountpoint` is created if missing and must be empty. `losetup` is util-linux's tool (a
    /// test may wrap it). Mount, losetup and unmount run on BlockingWork threads, never on the
    /// cooperative pool that the FUSE requests of the device need (BlockingWork says why).
    public static func attach(export: any NBDExport, mountpoint: String, fuseDirectIO: Bool = true,
                              losetup: String = LoopDevice.defaultTool) async throws -> LocalDeviceAttachment {
        if let reason = unavailableReason() { throw Failure(description: "cannot attach a local device: \(reason)") }
        guard export.size >= 512, export.size % 512 == 0 else {
            throw Failure(description: "export size \(export.size) is not a positive multiple of 512 bytes; a loop device cannot use it")
        }
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        guard (try FileManager.default.contentsOfDirectory(atPath: mountpoint)).isEmpty else {
            throw Failure(description: "mountpoint \(mountpoint) is not empty")
        }
        // Writeback through the device ends in this process; if it had to wait for memory that
        // only that writeback can free, it would deadlock. PR_SET_IO_FLUSHER makes the kernel
        // treat our allocations like a block driver's (no recursion into I/O reclaim). It marks
        // only this thread and the threads it starts from now on; the `tandem` commands set it
        // on the main thread before any thread exists (`ServesBlockIO`), this covers other users.
        _ = ctandem_set_io_flusher()
        let file = FuseExportFile(export: export, mountpoint: mountpoint, directIO: fuseDirectIO)
        try await file.start()
        do {
            let filePath = file.filePath, readOnly = export.features.contains(.readOnly)
            let (loop, holder) = try await BlockingWork.run { () throws -> (LoopDevice, Int32) in
                let loop = try LoopDevice.attach(file: filePath, readOnly: readOnly, tool: losetup)
                let holder = open(loop.path, O_RDONLY | O_CLOEXEC)
                guard holder >= 0, ctandem_loop_set_autoclear(holder) == 0 else {
                    let reason = String(cString: strerror(errno))
                    if holder >= 0 { close(holder) }
                    try? loop.detach()
                    throw Failure(description: "cannot set \(loop.path) to detach itself when this process ends: \(reason)")
                }
                return (loop, holder)
            }
            return LocalDeviceAttachment(file: file, loop: loop, holder: holder)
        } catch {
            await file.stop()
            throw error
        }
    }

    /// Detaches the loop device, unmounts the FUSE file and closes the export. Fails (and keeps
    /// everything attached) while the device is mounted.
    public func detach() async throws {
        let loop = self.loop, holder = self.holder
        try await BlockingWork.run {
            try loop.detach()
            // With our descriptor still open the detach is deferred to the last close
            // (auto-clear), so this close is where the kernel tears the device down.
            close(holder)
        }
        // The loop driver drops its reference to the file asynchronously; wait until it is gone
        // so the unmount is not lazy.
        for _ in 0..<100 where loop.backingFile != nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        await file.stop()
        await file.export.close()
    }
}
