/// Allocates the lowest free number of a closed range. Never reuses a number that is taken: a
/// full range is an error the caller turns into a clear message.
public struct NumberPool: Sendable, Equatable {
    public let range: ClosedRange<Int>
    public private(set) var used: Set<Int> = []
    /// Every number below it is taken, so searches start here (keeps allocation O(1) amortised).
    private var lowestMaybeFree: Int

    public init(range: ClosedRange<Int>) {
        self.range = range
        lowestMaybeFree = range.lowerBound
    }

    public var isFull: Bool { used.count >= range.count }

    public func contains(_ n: Int) -> Bool { used.contains(n) }

    /// The lowest free number, or nil when the range is exhausted.
    public func peekLowestFree() -> Int? {
        var n = lowestMaybeFree
        while n <= range.upperBound {
            if !used.contains(n) { return n }
            n += 1
        }
        return nil
    }

    public mutating func allocateLowest() -> Int? {
        guard let n = peekLowestFree() else { lowestMaybeFree = range.upperBound + 1; return nil }
        used.insert(n)
        lowestMaybeFree = n + 1
        return n
    }

    /// Marks a specific number as taken (loading from the database, or a number the user chose).
    /// Returns false if it was taken already or lies outside the range.
    @discardableResult
    public mutating func take(_ n: Int) -> Bool {
        guard range.contains(n), !used.contains(n) else { return false }
        used.insert(n)
        if n == lowestMaybeFree { lowestMaybeFree = n + 1 }
        return true
    }

    public mutating func release(_ n: Int) {
        guard used.remove(n) != nil else { return }
        if n < lowestMaybeFree { lowestMaybeFree = n }
    }
}
