/// A node's id within one resource, 0 ..< `ReplicaConfig.nodeIDLimit` (DRBD's node-id, ≤ 32 nodes).
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }
    public static func < (a: NodeID, b: NodeID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "\(rawValue)" }
}

/// A generation identifier (DRBD's "UUID"): 64 random bits naming one history of writes.
/// Bit 0 is DRBD's UUID_PRIMARY flag and is ignored when comparing; `0` means "none".
/// `justCreated` (4) marks metadata that has never been synchronised (DRBD's UUID_JUST_CREATED).
public struct Generation: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static let none = Generation(0)
    public static let justCreated = Generation(4)

    /// The value compared between nodes: the role flag bit cleared.
    public var comparable: UInt64 { rawValue & ~1 }
    public var isNone: Bool { comparable == 0 }
    public func sameHistory(as other: Generation) -> Bool { comparable == other.comparable }

    /// Upper-case hex as drbdsetup show-gi prints it.
    public var description: String {
        let hex = String(rawValue, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }
}

/// Identifies a client request issued by the shell (e.g. an NBD cookie mapped to a local id).
/// The core echoes it in the matching `ClientCompletion`; it must be unique among requests in flight.
public struct ClientRequestID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "c\(rawValue)" }
    /// The hash tables' own hash (see `IdentifierHash`).
    public func _rawHashValue(seed: Int) -> Int { IdentifierHash.mix(rawValue, seed: seed) }
}

/// Identifies one storage or metadata action the core asked for; echoed in its completion.
public struct StorageOpID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "s\(rawValue)" }
    /// The hash tables' own hash (see `IdentifierHash`).
    public func _rawHashValue(seed: Int) -> Int { IdentifierHash.mix(rawValue, seed: seed) }
}

/// The hash a `Dictionary` keyed by a request or storage id uses (`_rawHashValue(seed:)`, the
/// standard library's hook for cheap keys), in place of SipHash: a 4 KiB write looks such ids
/// up about fifteen times (the core's request and storage tables, the engine's waiters), and
/// perf put SipHash's seeding, rounds and finalization at ~4 % of the engine's CPU per write at
/// queue depth 32. The ids are counters the process assigns itself, never chosen by a client,
/// so SipHash's resistance to chosen keys buys nothing here. The mix (murmur3's 64-bit
/// finalizer over the id and the table's seed) spreads consecutive ids over every bucket.
/// Nothing decides by a table's iteration order (STYLE: no hash-order dependence), so the
/// order this gives changes no decision.
public enum IdentifierHash {
    @inline(__always)
    public static func mix(_ value: UInt64, seed: Int) -> Int {
        var x = value ^ UInt64(truncatingIfNeeded: seed)
        x ^= x >> 33
        x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return Int(truncatingIfNeeded: x)
    }
}

/// Identifies an admin command so that its reply can be matched (admin socket request id).
public struct AdminRequestID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "a\(rawValue)" }
}
