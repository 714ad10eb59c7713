/// The activity log: extents (of `extentBytes`) that may hold writes not yet reflected in the
/// on-disk bitmaps. An extent must be in the *durable* log before a write into it starts; after a
/// crash every logged extent is treated as out of sync toward every peer. Least recently used
/// extents with no write in flight are evicted when the log is full.
struct ActivityLog: Sendable, Equatable {
    let extentBytes: UInt64
    let extentsMax: Int
    /// Extents, least recently used first.
    private(set) var extents: [UInt32]
    /// Writes in flight per extent (parallel to `extents`).
    private var inFlight: [Int]

    init(extentBytes: UInt64, extentsMax: Int, extents: [UInt32]) {
        precondition(extents.count <= extentsMax, "activity log holds more than al-extents")
        self.extentBytes = extentBytes
        self.extentsMax = extentsMax
        self.extents = extents
        self.inFlight = Array(repeating: 0, count: extents.count)
    }

    func extents(offsetBytes: UInt64, lengthBytes: UInt64) -> [UInt32] {
        let first = offsetBytes / extentBytes
        let last = (offsetBytes + max(lengthBytes, 1) - 1) / extentBytes
        return (first ... last).map { UInt32($0) }
    }

    /// Whether `needed` extents can be made active now (room, or evictable idle extents).
    func canActivate(_ needed: [UInt32]) -> Bool {
        let missing = needed.filter { !extents.contains($0) }.count
        var evictable = 0
        for (e, c) in zip(extents, inFlight) where c == 0 && !needed.contains(e) { evictable += 1 }
        return missing <= (extentsMax - extents.count) + evictable
    }

    /// Marks the extents busy (adding missing ones, evicting idle LRU ones). Returns whether the
    /// log changed (then it must be written before the write starts).
    mutating func begin(_ needed: [UInt32]) -> Bool {
        var changed = false
        for e in needed {
            if let i = extents.firstIndex(of: e) {
                let count = inFlight.remove(at: i)
                extents.remove(at: i)
                extents.append(e)
                inFlight.append(count + 1)
            } else {
                if extents.count >= extentsMax {
                    let victimIndex = extents.indices.first { inFlight[$0] == 0 && !needed.contains(extents[$0]) }
                    guard let victim = victimIndex else {
                        preconditionFailure("activity log full of busy extents; canActivate not checked")
                    }
                    extents.remove(at: victim)
                    inFlight.remove(at: victim)
                }
                extents.append(e)
                inFlight.append(1)
                changed = true
            }
        }
        return changed
    }

    /// One more holder of extents that are already active (a protocol A write completed to the
    /// client keeps its extents hot until the peer confirms it).
    mutating func hold(_ active: [UInt32]) {
        for e in active {
            guard let i = extents.firstIndex(of: e) else { preconditionFailure("extent \(e) not active") }
            inFlight[i] += 1
        }
    }

    mutating func end(_ needed: [UInt32]) {
        for e in needed {
            guard let i = extents.firstIndex(of: e) else { preconditionFailure("extent \(e) not active") }
            precondition(inFlight[i] > 0, "extent \(e) ended more often than begun")
            inFlight[i] -= 1
        }
    }

    /// Clean shutdown: nothing hot remains (bitmaps are written out first).
    mutating func clearIdle() {
        var keptExtents: [UInt32] = []
        var keptCounts: [Int] = []
        for (e, c) in zip(extents, inFlight) where c > 0 {
            keptExtents.append(e)
            keptCounts.append(c)
        }
        extents = keptExtents
        inFlight = keptCounts
    }

    var sortedExtents: [UInt32] { extents.sorted() }
}
