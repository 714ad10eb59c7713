import Testing
@testable import ReplicationCore

/// `ActivityLog` keeps its extents in a table with LRU stamps for speed; its decisions must be
/// exactly those of the plain definition (an array in LRU order, least recently begun first),
/// or the core's outputs, and with them every simulation seed, would change. This drives both
/// with the same random operations and compares every answer.
@Suite struct ActivityLogModelTests {
    /// The definition: extents least recently begun first, writes in flight per extent.
    struct Model {
        let extentsMax: Int
        var extents: [UInt32]
        var inFlight: [Int]

        init(extentsMax: Int, extents: [UInt32]) {
            self.extentsMax = extentsMax; self.extents = extents; self.inFlight = Array(repeating: 0, count: extents.count)
        }

        func canActivate(_ needed: [UInt32]) -> Bool {
            let missing = needed.filter { !extents.contains($0) }.count
            let evictable = zip(extents, inFlight).filter { $0.1 == 0 && !needed.contains($0.0) }.count
            return missing <= extentsMax - extents.count + evictable
        }

        mutating func begin(_ needed: [UInt32]) -> Bool {
            var changed = false
            for e in needed {
                if let i = extents.firstIndex(of: e) {
                    let count = inFlight.remove(at: i)
                    extents.remove(at: i)
                    extents.append(e)
                    inFlight.append(count + 1)
                    continue
                }
                if extents.count >= extentsMax {
                    let victim = extents.indices.first { inFlight[$0] == 0 && !needed.contains(extents[$0]) }!
                    extents.remove(at: victim)
                    inFlight.remove(at: victim)
                }
                extents.append(e)
                inFlight.append(1)
                changed = true
            }
            return changed
        }

        mutating func adjust(_ active: [UInt32], by delta: Int) {
            for e in active { inFlight[extents.firstIndex(of: e)!] += delta }
        }
    }

    @Test("same answers as the array definition", arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func matchesTheDefinition(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let extentsMax = 2 + Int(random.next() % 6)
        let universe = UInt64(extentsMax * 2 + 1)
        let initial = Array(Set((0..<extentsMax).map { _ in UInt32(random.next() % universe) })).sorted()
        var log = ActivityLog(extentBytes: 1 << 22, extentsMax: extentsMax, extents: initial)
        var model = Model(extentsMax: extentsMax, extents: initial)
        var active: [[UInt32]] = []  // writes begun and not ended (some also held)
        for step in 0..<3000 {
            let choice = random.next() % 10
            if choice < 5 {
                let first = UInt32(random.next() % universe)
                let needed = random.next() % 4 == 0 ? [first, first + 1] : [first]
                let can = log.canActivate(needed)
                #expect(can == model.canActivate(needed), "seed \(seed) step \(step): canActivate(\(needed))")
                guard can else { continue }
                let changed = log.begin(needed)
                #expect(changed == model.begin(needed), "seed \(seed) step \(step): begin(\(needed))")
                active.append(needed)
            } else if choice < 6, let held = active.randomElement(using: &random) {
                log.hold(held)
                model.adjust(held, by: 1)
                active.append(held)
            } else if !active.isEmpty {
                let done = active.remove(at: Int(random.next() % UInt64(active.count)))
                log.end(done)
                model.adjust(done, by: -1)
            }
            #expect(log.sortedExtents == model.extents.sorted(), "seed \(seed) step \(step)")
        }
    }
}

extension SplitMix64: RandomNumberGenerator {}
