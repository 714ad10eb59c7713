/// The content the verifying workload writes into one block: a header naming the workload
/// (its log's id), the block's own index and the write's sequence number, a checksum over the
/// whole block, and filler derived from those three so every write's bytes differ.
///
/// Layout (little-endian): magic (8) · log id (8) · block index (8) · sequence (8) · checksum (8) ·
/// filler. The checksum (FNV-1a 64) covers every byte except its own field, so a block that is
/// torn, shifted, or partly another write's fails it.
public struct WorkloadStamp: Sendable, Equatable, CustomStringConvertible {
    public var logID: UInt64
    public var block: UInt64
    public var sequence: UInt64

    public init(logID: UInt64, block: UInt64, sequence: UInt64) {
        self.logID = logID; self.block = block; self.sequence = sequence
    }

    public var description: String { "block \(block) sequence \(sequence) of workload \(hex(logID))" }
}

/// What a block read back turned out to hold.
public enum WorkloadBlockContent: Sendable, Equatable {
    /// Every byte zero: never written (or trimmed).
    case zeroes
    /// A complete, intact workload write.
    case stamped(WorkloadStamp)
    /// Neither: why it is not a valid workload block.
    case garbage(String)
}

public enum WorkloadBlock {
    /// "TNDWKLD1" read as a little-endian integer.
    public static let magic: UInt64 = 0x3144_4C4B_5744_4E54
    public static let headerBytes = 40
    public static let blockBytesMin = 512
    public static let blockBytesMax = 1 << 20

    /// Why `bytes` cannot be a workload block size, or nil.
    public static func sizeProblem(_ bytes: Int) -> String? {
        guard (blockBytesMin...blockBytesMax).contains(bytes), bytes % 512 == 0 else {
            return "block size \(bytes) must be a multiple of 512 between \(blockBytesMin) and \(blockBytesMax)"
        }
        return nil
    }

    /// The bytes of one write.
    public static func encode(_ stamp: WorkloadStamp, blockBytes: Int) -> [UInt8] {
        precondition(sizeProblem(blockBytes) == nil, "bad block size \(blockBytes)")
        var bytes = [UInt8](repeating: 0, count: blockBytes)
        store(magic, at: 0, in: &bytes)
        store(stamp.logID, at: 8, in: &bytes)
        store(stamp.block, at: 16, in: &bytes)
        store(stamp.sequence, at: 24, in: &bytes)
        var filler = WorkloadRandom(seed: stamp.logID ^ (stamp.block &* 0x9E37_79B9_7F4A_7C15) ^ (stamp.sequence &* 0xC2B2_AE3D_27D4_EB4F))
        var at = headerBytes
        while at < blockBytes {
            store(filler.next(), at: at, in: &bytes)
            at += 8
        }
        store(checksum(bytes), at: 32, in: &bytes)
        return bytes
    }

    /// Classifies a block read back.
    public static func decode(_ bytes: [UInt8]) -> WorkloadBlockContent {
        guard sizeProblem(bytes.count) == nil else { return .garbage("\(bytes.count) bytes is not a workload block size") }
        if bytes.allSatisfy({ $0 == 0 }) { return .zeroes }
        guard load(at: 0, in: bytes) == magic else { return .garbage("no workload header (not written by the workload, or overwritten)") }
        guard load(at: 32, in: bytes) == checksum(bytes) else {
            return .garbage("checksum mismatch (torn or corrupted block; header says block \(load(at: 16, in: bytes)) sequence \(load(at: 24, in: bytes)))")
        }
        return .stamped(WorkloadStamp(logID: load(at: 8, in: bytes), block: load(at: 16, in: bytes), sequence: load(at: 24, in: bytes)))
    }

    /// FNV-1a 64 over the block with the checksum field (bytes 32..<40) left out.
    static func checksum(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for i in bytes.indices where i < 32 || i >= 40 {
            hash = (hash ^ UInt64(bytes[i])) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func store(_ value: UInt64, at offset: Int, in bytes: inout [UInt8]) {
        for i in 0..<8 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
    }

    static func load(at offset: Int, in bytes: [UInt8]) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        return value
    }
}

/// SplitMix64: the filler and the block choice; seeded, so a run can be replayed.
public struct WorkloadRandom: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform enough in 0..<bound for picking blocks.
    public mutating func next(below bound: UInt64) -> UInt64 {
        precondition(bound > 0)
        return next() % bound
    }
}

func hex(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
