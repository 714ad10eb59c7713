import Foundation

/// LVM volumes are device-mapper devices; without the kernel's device-mapper lvm2 can edit
/// metadata but never create a volume. Checked first so the error names the real cause instead
/// of lvcreate's "Incompatible libdevmapper … and kernel driver (unknown version)".
enum DeviceMapper {
    static let controlPath = "/dev/mapper/control"

    static func requireKernelSupport(for kind: String) throws(StorageError) {
        guard FileManager.default.fileExists(atPath: controlPath) else {
            throw StorageError(.unsupported, "\(kind) needs the kernel's device-mapper, and this machine has none (\(controlPath) is missing); use a FILE or FILE_THIN storage pool here")
        }
    }
}

/// Parsing of the `--noheadings --units b --nosuffix` tables lvm2 and zfs print.
enum ToolTable {
    /// Rows of whitespace-separated fields, blank lines dropped.
    static func rows(_ text: String) -> [[String]] {
        text.split(whereSeparator: \.isNewline)
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
            .filter { !$0.isEmpty }
    }

    /// A byte count as lvm2 prints it with --units b --nosuffix ("104857600", sometimes "104857600.00").
    static func bytes(_ field: String) -> UInt64? {
        if let n = UInt64(field) { return n }
        guard let d = Double(field), d >= 0, d < 1.8e19 else { return nil }
        return UInt64(d)
    }

    /// lvm2's data_percent ("12.50", or empty for a non-thin volume).
    static func percent(_ field: String?) -> Double {
        guard let field, let d = Double(field), d >= 0 else { return 0 }
        return min(d, 100)
    }
}
