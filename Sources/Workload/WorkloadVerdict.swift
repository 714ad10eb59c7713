/// Whether a block read back holds what the log says it must.
///
/// The rule: a block must hold its newest acknowledged write, or a later write of the same
/// workload. Later writes are legitimate: a write in flight when the workload stopped (killed,
/// or its server died) may or may not have landed, and the log only records writes after their
/// acknowledgement. Anything else is a failure: zeroes or an older write (an acknowledged write
/// lost), another block's content (misdirected), another workload's content, or a block whose
/// checksum fails (torn or corrupted: a single 4 KiB pwrite is never torn by killing a process,
/// so this is not excused even for in-flight writes).
public enum WorkloadVerdict: Sendable, Equatable {
    case current
    /// Holds a write newer than the newest acknowledged one (it was in flight).
    case later(sequence: UInt64)
    case wrong(String)

    public static func judge(_ content: WorkloadBlockContent, block: UInt64, acknowledged: UInt64, logID: UInt64) -> WorkloadVerdict {
        switch content {
        case .zeroes:
            return .wrong("holds zeroes, but sequence \(acknowledged) was acknowledged")
        case .garbage(let why):
            return .wrong(why)
        case .stamped(let stamp):
            if stamp.logID != logID {
                return .wrong("holds a write of another workload (id \(hex(stamp.logID)), not \(hex(logID)))")
            }
            if stamp.block != block {
                return .wrong("holds block \(stamp.block)'s write (sequence \(stamp.sequence)): misdirected")
            }
            if stamp.sequence == acknowledged { return .current }
            if stamp.sequence > acknowledged { return .later(sequence: stamp.sequence) }
            return .wrong("holds the older sequence \(stamp.sequence), but sequence \(acknowledged) was acknowledged")
        }
    }
}

/// The tally of a verification run.
public struct WorkloadVerification: Sendable, Equatable {
    public var checked = 0
    public var current = 0
    public var later = 0
    /// The wrong blocks, in the order checked, at most `failuresKeptMax`.
    public var failures: [(block: UInt64, why: String)] = []
    public var failureCount = 0
    public static let failuresKeptMax = 50

    public init() {}

    public mutating func record(block: UInt64, _ verdict: WorkloadVerdict) {
        checked += 1
        switch verdict {
        case .current: current += 1
        case .later: later += 1
        case .wrong(let why):
            failureCount += 1
            if failures.count < Self.failuresKeptMax { failures.append((block, why)) }
        }
    }

    public var passed: Bool { failureCount == 0 }

    public static func == (a: Self, b: Self) -> Bool {
        a.checked == b.checked && a.current == b.current && a.later == b.later && a.failureCount == b.failureCount
            && a.failures.map(\.block) == b.failures.map(\.block) && a.failures.map(\.why) == b.failures.map(\.why)
    }
}
