/// Which block the workload writes next, with which sequence. Never two writes to one block at
/// once: NBD does not order concurrent requests, so with two in flight the log could not say
/// which one the block must end up holding.
public struct WorkloadPlan: Sendable {
    public let firstBlock: UInt64
    public let blockCount: UInt64
    public private(set) var nextSequence: UInt64
    public private(set) var inFlight: Set<UInt64> = []
    private var random: WorkloadRandom

    /// `startSequence` must exceed every sequence an earlier run on the same log used
    /// (the CLI uses the wall clock in microseconds and the log's largest sequence).
    public init(firstBlock: UInt64, blockCount: UInt64, startSequence: UInt64, seed: UInt64) {
        precondition(blockCount > 0, "an empty region")
        self.firstBlock = firstBlock; self.blockCount = blockCount
        nextSequence = startSequence
        random = WorkloadRandom(seed: seed)
    }

    /// The next write, or nil when every block of the region is in flight.
    public mutating func next() -> (block: UInt64, sequence: UInt64)? {
        guard UInt64(inFlight.count) < blockCount else { return nil }
        var block = firstBlock + random.next(below: blockCount)
        while inFlight.contains(block) {
            block = block + 1 == firstBlock + blockCount ? firstBlock : block + 1
        }
        inFlight.insert(block)
        defer { nextSequence += 1 }
        return (block, nextSequence)
    }

    /// The write to `block` completed (acknowledged or failed).
    public mutating func finished(_ block: UInt64) {
        precondition(inFlight.remove(block) != nil, "block \(block) was not in flight")
    }
}
