import DescriptorIO
import Glibc

/// Refuses backing storage that is itself served by a Tandem local device (a `fuse.tandem` FUSE
/// file, directly or through a loop device, or a file system mounted from such a loop device).
/// A volume stored there would send its own writes back through the engine and the FUSE daemon:
/// under memory pressure, write-back of those pages needs the very process that is waiting for
/// memory (docs/local-device.md, "Limits"). Follows at most a few layers of loop devices.
enum ExportedDeviceGuard {
    static let fuseType = "fuse.tandem"

    /// Why `path` may not hold a volume's data, or nil when it may.
    static func refusal(for path: String) -> String? {
        reason(for: path, depth: 0)
    }

    private static func reason(for path: String, depth: Int) -> String? {
        guard depth < 4 else { return nil }
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }  // opening it reports the real problem
        if (info.st_mode & S_IFMT) == S_IFBLK {
            guard let backing = loopBackingFile(device: info.st_rdev) else { return nil }
            if let why = reason(for: backing, depth: depth + 1) { return "it is loop device over \(backing): \(why)" }
            return nil
        }
        if fileSystemType(device: info.st_dev) == fuseType {
            return "it lives on a Tandem local-device FUSE mount (\(fuseType))"
        }
        if let backing = loopBackingFile(device: info.st_dev), let why = reason(for: backing, depth: depth + 1) {
            return "its file system is mounted from a loop device over \(backing): \(why)"
        }
        return nil
    }

    static func major(_ device: dev_t) -> UInt64 { (UInt64(device) >> 8) & 0xfff | (UInt64(device) >> 32) & ~0xfff }
    static func minor(_ device: dev_t) -> UInt64 { UInt64(device) & 0xff | (UInt64(device) >> 12) & ~0xff }

    /// The file behind loop device `device` (major 7), from sysfs; nil for anything else.
    static func loopBackingFile(device: dev_t) -> String? {
        guard major(device) == 7 else { return nil }
        guard let text = KernelFileReader.text("/sys/dev/block/7:\(minor(device))/loop/backing_file", limit: 64 << 10) else { return nil }
        let path = text.split(separator: "\n").first.map(String.init) ?? ""
        return path.isEmpty ? nil : path
    }

    /// The type of the file system on `device`, from /proc/self/mountinfo ("maj:min" is field 3,
    /// the type follows the " - " separator).
    static func fileSystemType(device: dev_t) -> String? {
        guard let text = KernelFileReader.text("/proc/self/mountinfo") else { return nil }
        let wanted = "\(major(device)):\(minor(device))"
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[2] == wanted, let dash = fields.firstIndex(of: "-"),
                  dash + 1 < fields.count else { continue }
            return String(fields[dash + 1])
        }
        return nil
    }
}
