/// The activity log: extents (of `extentBytes`) that may hold writes not yet reflected in the
/// on-disk bitmaps. An extent must be in the *durable* log before a write into it starts; after a
/// crash every logged extent is treated as out of sync toward every peer. Least recently used
/// extents with no write in flight are evicted when the log is full.
///
/// Every write looks its extents up here at least three times (can activate, begin, end), so
/// extents are kept in a table rather than an array in LRU order: an array made each lookup a
/// scan over up to al-extents (1237 by default) entries and each use a shift of the array. The
/// LRU order is a stamp per extent; only an eviction (a miss in a full log) scans.
struct ActivityLog: Sendable, Equatable {
    let extentBytes: UInt64
    let extentsMax: Int

    private struct Entry: Sendable, Equatable {
        /// Writes in flight (and protocol A writes not yet confirmed) in the extent.
        var inFlight: Int
        /// When the extent was last begun: the smallest is the least recently used.
        var lastUse: UInt64
        /// The metadata version whose write puts this extent in the durable log (0: it was in
        /// the log read at attach; nil: added by `begin`, the caller has not named it yet).
        var loggedInVersion: UInt64?
    }

    private var entries: [UInt32: Entry]
    /// The next use stamp.
    private var clock: UInt64

    /// `extents`: the durable log, least recently used first.
    init(extentBytes: UInt64, extentsMax: Int, extents: [UInt32]) {
        precondition(extents.count <= extentsMax, "activity log holds more than al-extents")
        self.extentBytes = extentBytes
        self.extentsMax = extentsMax
        var entries: [UInt32: Entry] = [:]
        entries.reserveCapacity(extents.count)
        for (order, extent) in extents.enumerated() {
            entries[extent] = Entry(inFlight: 0, lastUse: UInt64(order), loggedInVersion: 0)
        }
        self.entries = entries
        self.clock = UInt64(extents.count)
    }

    /// The extents a write touches: always one run of consecutive extents, so a range (a write
    /// kept them as an array, one heap allocation per write on each replica).
    func extents(offsetBytes: UInt64, lengthBytes: UInt64) -> ClosedRange<UInt32> {
        let first = offsetBytes / extentBytes
        let last = (offsetBytes + max(lengthBytes, 1) - 1) / extentBytes
        return UInt32(first) ... UInt32(last)
    }

    // The operations below take any collection of extents: writes pass their range; the tests
    // and the model they are checked against pass arrays (also of extents that are not
    // consecutive). Within this module the compiler specializes them for each.

    /// Whether `needed` extents can be made active now (room, or evictable idle extents).
    func canActivate(_ needed: some Collection<UInt32>) -> Bool {
        var missing = 0
        for e in needed where entries[e] == nil { missing += 1 }
        let room = extentsMax - entries.count
        if missing <= room { return true }  // the usual case: all active already
        var evictable = 0
        for (e, entry) in entries where entry.inFlight == 0 && !needed.contains(e) {
            evictable += 1
            if missing <= room + evictable { return true }
        }
        return false
    }

    /// Marks the extents busy (adding missing ones, evicting idle LRU ones). Returns whether the
    /// log changed (then it must be written before the write starts).
    mutating func begin(_ needed: some Collection<UInt32>) -> Bool {
        var changed = false
        for e in needed {
            let stamp = clock
            clock += 1
            if entries[e] != nil {
                entries[e]!.inFlight += 1
                entries[e]!.lastUse = stamp
                continue
            }
            if entries.count >= extentsMax {
                guard let victim = leastRecentlyUsedIdle(sparing: needed) else {
                    preconditionFailure("activity log full of busy extents; canActivate not checked")
                }
                entries[victim] = nil
            }
            entries[e] = Entry(inFlight: 1, lastUse: stamp, loggedInVersion: nil)
            changed = true
        }
        return changed
    }

    /// Names the metadata version that logs the extents `begin` just added.
    mutating func logged(_ extents: some Collection<UInt32>, inVersion version: UInt64) {
        for e in extents where entries[e] != nil && entries[e]!.loggedInVersion == nil {
            entries[e]!.loggedInVersion = version
        }
    }

    /// The metadata version that must be durable before a write into `extents` starts. Not only
    /// for the write whose `begin` added an extent: a second write into the same extent finds it
    /// in this (in-memory) log while the transaction adding it may still be on its way to disk,
    /// and its data must not reach the disk before that (DRBD: every writer into an extent
    /// waits for the AL transaction holding it). Otherwise a crash leaves data no logged extent
    /// covers, and the resync after it misses the block.
    func versionLogging(_ extents: some Collection<UInt32>) -> UInt64 {
        var version: UInt64 = 0
        for e in extents {
            guard let logged = entries[e]?.loggedInVersion else {
                preconditionFailure("extent \(e) begun but its log transaction not named")
            }
            version = max(version, logged)
        }
        return version
    }

    private func leastRecentlyUsedIdle(sparing needed: some Collection<UInt32>) -> UInt32? {
        var victim: (extent: UInt32, lastUse: UInt64)?
        for (e, entry) in entries where entry.inFlight == 0 && !needed.contains(e) {
            if victim == nil || entry.lastUse < victim!.lastUse { victim = (e, entry.lastUse) }
        }
        return victim?.extent
    }

    /// One more holder of extents that are already active (a protocol A write completed to the
    /// client keeps its extents hot until the peer confirms it).
    mutating func hold(_ active: some Collection<UInt32>) {
        for e in active {
            guard entries[e] != nil else { preconditionFailure("extent \(e) not active") }
            entries[e]!.inFlight += 1
        }
    }

    mutating func end(_ needed: some Collection<UInt32>) {
        for e in needed {
            guard let entry = entries[e] else { preconditionFailure("extent \(e) not active") }
            precondition(entry.inFlight > 0, "extent \(e) ended more often than begun")
            entries[e]!.inFlight -= 1
        }
    }

    /// Clean shutdown: nothing hot remains (bitmaps are written out first).
    mutating func clearIdle() {
        entries = entries.filter { $0.value.inFlight > 0 }
    }

    var sortedExtents: [UInt32] { entries.keys.sorted() }
}
