import Foundation
@testable import StorageProviders
import TandemModel
import Testing

/// What this machine offers for the LVM and ZFS tests, found out once: they run for real on a
/// loop device over a temporary file wherever the kernel and tools allow, and otherwise are
/// skipped with the cause in the skip message.
enum LiveStorageMachine {
    enum LVMReach: Sendable, Equatable {
        /// device-mapper works: volumes are activated, /dev/<vg>/<lv> exists.
        case full
        /// lvm2 without device-mapper: the same commands with activation switched off, so the
        /// metadata side (create, grow, report, delete) runs for real but no device appears.
        case metadataOnly(why: String)
    }

    static let runner = CommandRunner(timeoutSeconds: 60)

    /// nil when loop devices over files can be made here.
    static let loopProblem: String? = {
        guard getuid() == 0 else { return "needs root for loop devices" }
        guard FileManager.default.fileExists(atPath: "/dev/loop-control") else { return "no loop driver (/dev/loop-control is missing)" }
        guard runner.locate("losetup") != nil else { return "losetup is not installed" }
        return nil
    }()

    /// How far LVM works here, or why it does not at all.
    static let lvm: Result<LVMReach, Skip> = {
        if let loopProblem { return .failure(Skip(loopProblem)) }
        for tool in ["pvcreate", "vgcreate", "lvcreate", "lvs", "vgs"] where runner.locate(tool) == nil {
            return .failure(Skip("lvm2 is not installed (no \(tool)); scripts/setup installs it"))
        }
        if let why = deviceMapperProblem { return .success(.metadataOnly(why: why)) }
        return .success(.full)
    }()

    /// nil when the kernel's device-mapper answers `dmsetup version` with a driver version.
    static let deviceMapperProblem: String? = {
        if let problem = DeviceMapper.kernelProblem() { return "no device-mapper in this kernel: \(problem)" }
        guard runner.locate("dmsetup") != nil else { return "dmsetup is not installed" }
        guard let out = try? runner.runAllowingFailure("dmsetup", ["version"]) else { return "dmsetup version could not run" }
        guard out.exitStatus == 0, out.stdout.contains("Driver version") else {
            return "device-mapper does not answer: \(out.stderr.split(separator: "\n").first ?? "dmsetup version failed")"
        }
        return nil
    }()

    /// Why LVM_THIN cannot be tested here (thin pools need device-mapper even to be created).
    static let lvmThinSkip: String? = {
        switch lvm {
        case .failure(let skip): return skip.reason
        case .success(.metadataOnly(let why)): return "lvm2 cannot create a thin pool without device-mapper: \(why)"
        case .success(.full): return nil
        }
    }()

    static var lvmSkip: String? {
        if case .failure(let skip) = lvm { return skip.reason }
        return nil
    }

    /// Why ZFS cannot be tested here, nil when it can.
    static let zfsSkip: String? = {
        if let loopProblem { return loopProblem }
        for tool in ["zpool", "zfs"] where runner.locate(tool) == nil {
            return "zfs is not installed (no \(tool) command; Debian has it in contrib as zfsutils-linux, with the zfs-dkms module)"
        }
        guard FileManager.default.fileExists(atPath: "/dev/zfs") else {
            return "the zfs kernel module is not loaded (/dev/zfs is missing)"
        }
        return nil
    }()

    struct Skip: Error { let reason: String; init(_ reason: String) { self.reason = reason } }

    /// A name no other test run uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)\(getpid())x\(UInt32.random(in: 0...UInt32.max))"
    }
}

/// A sparse file in a fresh temporary folder attached to a loop device; `remove()` undoes both.
struct ThrowawayLoopDevice {
    let folder: String
    let file: String
    let device: String

    init(sizeMiB: Int) throws {
        folder = NSTemporaryDirectory() + LiveStorageMachine.uniqueName("tandem-storage-test-")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        file = folder + "/disk.img"
        let runner = LiveStorageMachine.runner
        do {
            try runner.run("truncate", ["-s", "\(sizeMiB)M", file])
            device = try runner.run("losetup", ["--find", "--show", file]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
    }

    func remove() {
        _ = try? LiveStorageMachine.runner.run("losetup", ["-d", device])
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// A volume group on its own loop device, with lvm2 pointed at a private configuration folder
/// (LVM_SYSTEM_DIR) so nothing of it lands in the machine's /etc/lvm (backups, archives, a
/// devices file) — and, where device-mapper is missing, with activation switched off.
struct ThrowawayVolumeGroup {
    let name: String
    let loop: ThrowawayLoopDevice
    let runner: CommandRunner

    init(reach: LiveStorageMachine.LVMReach, sizeMiB: Int = 256) throws {
        name = LiveStorageMachine.uniqueName("tandemt")
        loop = try ThrowawayLoopDevice(sizeMiB: sizeMiB)
        var config = "backup {\n  backup = 0\n  archive = 0\n}\n"
        if case .metadataOnly = reach { config += "global {\n  activation = 0\n}\n" }
        let systemDir = loop.folder + "/lvm"
        var runner = CommandRunner(timeoutSeconds: 60)
        runner.environment["LVM_SYSTEM_DIR"] = systemDir
        self.runner = runner
        do {
            try FileManager.default.createDirectory(atPath: systemDir, withIntermediateDirectories: true)
            try config.write(toFile: systemDir + "/lvm.conf", atomically: true, encoding: .utf8)
            try runner.run("pvcreate", ["--yes", loop.device])
            try runner.run("vgcreate", ["--yes", name, loop.device])
        } catch {
            _ = try? runner.run("pvremove", ["--yes", "-ff", loop.device])
            loop.remove()
            throw error
        }
    }

    /// Removes whatever volumes a failed test left, the group, the label and the loop device.
    func remove() {
        _ = try? runner.run("vgremove", ["--yes", "-ff", name])
        _ = try? runner.run("pvremove", ["--yes", "-ff", loop.device])
        loop.remove()
    }
}
