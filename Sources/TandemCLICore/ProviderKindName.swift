import TandemModel

/// The storage driver names `storage-pool create` accepts, as the linstor client spells them
/// (lvm, lvmthin, zfs, zfsthin, file, filethin, diskless), case-insensitive and forgiving of
/// `_`/`-` (file_thin, LVM_THIN), mapped to the REST `provider_kind`.
public enum ProviderKindName {
    public static let cliNames = ["lvm", "lvmthin", "zfs", "zfsthin", "file", "filethin", "diskless"]

    public static func parse(_ text: String) -> StorageProviderKind? {
        let key = text.lowercased().filter { $0 != "_" && $0 != "-" }
        switch key {
        case "lvm": return .lvm
        case "lvmthin": return .lvmThin
        case "zfs": return .zfs
        case "zfsthin": return .zfsThin
        case "file": return .file
        case "filethin": return .fileThin
        case "diskless": return .diskless
        default: return nil
        }
    }
}
