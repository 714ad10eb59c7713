#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// LVM volumes are device-mapper devices; without the kernel's device-mapper lvm2 can edit
/// metadata but never create a volume. Checked first so the error names the real cause instead
/// of lvcreate's "Incompatible libdevmapper … and kernel driver (unknown version)".
enum DeviceMapper {
    static let controlPath = "/dev/mapper/control"

    /// Why the kernel's device-mapper cannot be used, nil when it can. The control node alone
    /// proves nothing: lvm2 and dmsetup create it when it is missing, also on a kernel without
    /// the driver, where opening it then fails with ENODEV.
    static func kernelProblem() -> String? {
        let fd = open(controlPath, O_RDWR | O_CLOEXEC)
        if fd >= 0 { close(fd); return nil }
        let err = errno
        switch err {
        case ENOENT: return "\(controlPath) is missing"
        case ENODEV, ENXIO: return "\(controlPath) exists but the kernel has no device-mapper driver behind it (\(String(cString: strerror(err))))"
        default: return "\(controlPath) cannot be opened: \(String(cString: strerror(err)))"
        }
    }

    static func requireKernelSupport(for kind: String) throws(StorageError) {
        if let problem = kernelProblem() {
            throw StorageError(.unsupported, "\(kind) needs the kernel's device-mapper, and this machine has none (\(problem)); use a FILE or FILE_THIN storage pool here")
        }
    }
}
