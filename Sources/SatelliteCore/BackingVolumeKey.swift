/// A backing volume, named by the storage pool it lives in and its name there.
public struct BackingVolumeKey: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var pool: String
    public var name: String
    public init(pool: String, name: String) { self.pool = pool; self.name = name }

    public static func < (a: BackingVolumeKey, b: BackingVolumeKey) -> Bool {
        (a.pool, a.name) < (b.pool, b.name)
    }

    public var description: String { "\(pool)/\(name)" }

    /// LINSTOR's backing-volume name: `<resource>_<volume number, 5 digits>`, e.g. `rsc1_00000`.
    public static func name(resource: String, volumeNumber: Int) -> String {
        let digits = String(volumeNumber)
        return resource + "_" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits
    }
}
