/// Deterministic pseudo-random numbers (SplitMix64). The core takes its seed as input so a run is
/// reproducible; the shell seeds it from a real random source.
struct SplitMix64: Sendable, Equatable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// 64-bit FNV-1a digest of a block, used by online verify (not cryptographic: it detects
/// divergence, it does not defend against an attacker).
public enum BlockDigest {
    /// FNV-1a 64's offset basis: the digest of no bytes.
    public static let fnv1aBasis: UInt64 = 0xCBF2_9CE4_8422_2325

    public static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash = fnv1aBasis
        for byte in bytes { fold(byte, into: &hash) }
        return hash
    }

    /// Folds the 8 bytes of `word`, lowest first, into `hash`, as `fnv1a` would fold them.
    static func fold(word: UInt64, into hash: inout UInt64) {
        var bits = word
        for _ in 0 ..< 8 {
            fold(UInt8(truncatingIfNeeded: bits), into: &hash)
            bits >>= 8
        }
    }

    private static func fold(_ byte: UInt8, into hash: inout UInt64) {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
}
