import TandemModel

/// The tunables of a resource, spelled as DRBD spells them where DRBD has the same knob.
/// Every key has a default; the canonical file form writes all of them so a person reading the
/// file sees what is in force.
public struct ResourceOptions: Sendable, Equatable {
    public var quorum: QuorumSetting = .off
    public var onNoQuorum: OnNoQuorum = .suspendIO
    /// Promote on the first writer (an NBD client opening a writable export).
    public var autoPromote: Bool = true
    /// How long (tenths of a second, as DRBD counts) an NBD open waits for a peer that is still
    /// Primary to demote before it is refused: a writer handing over (a VM migrating, a client
    /// closing on one node and opening on the next) would otherwise race the peer's demotion.
    public var autoPromoteTimeoutTenths: Int = 20
    /// Upper bound for resync traffic; nil = no cap (the controller fills the link and backs off
    /// when application latency grows). DRBD's fixed 100 MiB/s default is deliberately not copied.
    public var resyncRateMax: ByteCount? = nil
    /// Resync never slows below this on purpose while application I/O competes.
    public var resyncRateMin: ByteCount = .mib(4)
    /// Most resync data in flight (requested, not yet written on the target): the ceiling of the
    /// rate controller's window (DRBD c-fill-target) and the memory a resync uses on each side.
    /// nil: the engine's default.
    public var resyncFillTarget: ByteCount? = nil
    public static let resyncFillTargetRange: ClosedRange<UInt64> = (1 << 20)...(256 << 20)
    /// Skip the initial full sync of a brand-new volume (fresh thin volumes read as zeros).
    public var skipInitialSync: Bool = false
    /// Keep-alive interval when a link is idle, and the time without any frame after which the
    /// link is declared dead.
    public var pingIntervalSeconds: Int = 10
    public var pingTimeoutSeconds: Int = 5
    /// Upper bound of the reconnect back-off.
    public var connectIntervalSeconds: Int = 10
    /// Activity-log extents (4 MiB each) kept hot; after a Primary crash only these are resynced.
    public var alExtents: Int = 1237

    public init() {}

    /// Known keys in canonical order with a one-line description (used in errors and docs).
    public static let keys: [(key: String, help: String)] = [
        ("quorum", "off | majority | all"),
        ("on-no-quorum", "suspend-io | io-error"),
        ("auto-promote", "yes | no"),
        ("auto-promote-timeout", "tenths of a second, 0-600"),
        ("c-max-rate", "resync rate cap per second, e.g. 200MiB; 0 = no cap"),
        ("c-min-rate", "resync floor per second, e.g. 4MiB"),
        ("c-fill-target", "most resync data in flight, 1MiB-256MiB; 0 = the engine's default"),
        ("skip-initial-sync", "yes | no"),
        ("ping-int", "seconds, 1-120"),
        ("ping-timeout", "seconds, 1-60"),
        ("connect-int", "seconds, 1-120"),
        ("al-extents", "7-65536"),
    ]

    /// Sets one option from its text form; the problem names the key and the accepted values.
    public mutating func set(_ key: String, _ value: String) -> ResourceFileProblem? {
        switch key {
        case "quorum":
            guard let q = QuorumSetting(text: value) else { return bad(key, value) }
            quorum = q
        case "on-no-quorum":
            guard let v = OnNoQuorum(rawValue: value) else { return bad(key, value) }
            onNoQuorum = v
        case "auto-promote": guard let b = Self.bool(value) else { return bad(key, value) }; autoPromote = b
        case "auto-promote-timeout": return Self.setInt(&autoPromoteTimeoutTenths, key, value, 0...600)
        case "skip-initial-sync":
            guard let b = Self.bool(value) else { return bad(key, value) }
            skipInitialSync = b
        case "c-max-rate":
            guard let r = try? ByteCount.parse(value, defaultUnit: ByteCount.kibi) else { return bad(key, value) }
            resyncRateMax = r.rawValue == 0 ? nil : r
        case "c-min-rate":
            guard let r = try? ByteCount.parse(value, defaultUnit: ByteCount.kibi) else { return bad(key, value) }
            resyncRateMin = r
        case "c-fill-target":
            guard let r = try? ByteCount.parse(value, defaultUnit: ByteCount.kibi),
                  r.rawValue == 0 || Self.resyncFillTargetRange.contains(r.rawValue) else { return bad(key, value) }
            resyncFillTarget = r.rawValue == 0 ? nil : r
        case "ping-int": return Self.setInt(&pingIntervalSeconds, key, value, 1...120)
        case "ping-timeout": return Self.setInt(&pingTimeoutSeconds, key, value, 1...60)
        case "connect-int": return Self.setInt(&connectIntervalSeconds, key, value, 1...120)
        case "al-extents": return Self.setInt(&alExtents, key, value, 7...65536)
        default:
            let known = Self.keys.map(\.key).joined(separator: ", ")
            return ResourceFileProblem("unknown option '\(key)'; known options: \(known)")
        }
        return nil
    }

    /// Every option in canonical order and canonical text.
    public var canonicalPairs: [(String, String)] {
        [
            ("quorum", quorum.text),
            ("on-no-quorum", onNoQuorum.rawValue),
            ("auto-promote", autoPromote ? "yes" : "no"),
            ("auto-promote-timeout", String(autoPromoteTimeoutTenths)),
            ("c-max-rate", resyncRateMax.map(Self.sizeText) ?? "0"),
            ("c-min-rate", Self.sizeText(resyncRateMin)),
            ("c-fill-target", resyncFillTarget.map(Self.sizeText) ?? "0"),
            ("skip-initial-sync", skipInitialSync ? "yes" : "no"),
            ("ping-int", String(pingIntervalSeconds)),
            ("ping-timeout", String(pingTimeoutSeconds)),
            ("connect-int", String(connectIntervalSeconds)),
            ("al-extents", String(alExtents)),
        ]
    }

    private static func setInt(_ field: inout Int, _ key: String, _ value: String, _ range: ClosedRange<Int>) -> ResourceFileProblem? {
        guard let n = Int(value), range.contains(n) else {
            return ResourceFileProblem("option \(key) must be a whole number in \(range.lowerBound)...\(range.upperBound), not '\(value)'")
        }
        field = n
        return nil
    }

    private func bad(_ key: String, _ value: String) -> ResourceFileProblem {
        let help = Self.keys.first { $0.key == key }?.help ?? "?"
        return ResourceFileProblem("option \(key) does not accept '\(value)'; expected \(help)")
    }

    static func bool(_ text: String) -> Bool? {
        switch text { case "yes": return true; case "no": return false; default: return nil }
    }

    /// Exact size with the largest binary unit that divides it: 4KiB, 1536MiB, 10GiB, 512B.
    public static func sizeText(_ size: ByteCount) -> String {
        let units: [(String, UInt64)] = [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, scale) in units where size.rawValue >= scale && size.rawValue % scale == 0 {
            return "\(size.rawValue / scale)\(name)"
        }
        return "\(size.rawValue)B"
    }
}

/// DRBD's `quorum` option.
public enum QuorumSetting: Sendable, Equatable {
    case off, majority, all

    init?(text: String) {
        switch text {
        case "off": self = .off
        case "majority": self = .majority
        case "all": self = .all
        default: return nil
        }
    }

    public var text: String {
        switch self {
        case .off: "off"
        case .majority: "majority"
        case .all: "all"
        }
    }
}

/// What a Primary does with I/O while it has no quorum.
public enum OnNoQuorum: String, Sendable, Equatable {
    case suspendIO = "suspend-io"
    case ioError = "io-error"
}
