import Synchronization

/// The rendered JSON of every resource in `GET /v1/view/resources`, kept between requests.
/// Rendering 30,000 resources cost ~300 ms of CPU per view, nearly all of it for objects that
/// had not changed since the view before. A fragment is reused only while the entry it was
/// rendered from compares equal to the current one (see `ResourceViewEntry`), so there is no
/// invalidation to forget: whatever changes what a resource shows changes its entry.
/// Shared by concurrent requests; each definition's fragments are looked up and stored under
/// one short lock.
final class ResourceViewCache: Sendable {
    struct Fragment: Sendable {
        let entry: ResourceViewEntry
        /// The resource's JSON object.
        let bytes: [UInt8]
        /// Unique per rendering: equal ids mean identical bytes (the gzip page cache relies on it).
        let id: UInt64
    }

    /// How often fragments were reused and rendered (tests, logs).
    struct Counters: Sendable, Equatable {
        var hits = 0
        var renders = 0
    }

    private struct Table {
        /// resource-definition key → node key → fragment
        var definitions: [String: [String: Fragment]] = [:]
        var nextId: UInt64 = 0
        var counters = Counters()
    }

    private let table = Mutex(Table())

    init() {}

    var counters: Counters { table.withLock { $0.counters } }
    var definitionCount: Int { table.withLock { $0.definitions.count } }

    /// The fragments of `entries` (all of one definition, in order), rendering only those whose
    /// entry changed. `complete`: the entries are all of the definition's resources (no node,
    /// pool or property filter), so fragments of resources that are gone are dropped.
    func fragments(definition rdKey: String, _ entries: [ResourceViewEntry], complete: Bool) -> [Fragment] {
        table.withLock { t in
            let cached = t.definitions[rdKey] ?? [:]
            var kept = complete ? [:] : cached
            var out: [Fragment] = []
            out.reserveCapacity(entries.count)
            for entry in entries {
                let fragment: Fragment
                if let old = cached[entry.nodeKey], old.entry == entry {
                    fragment = old
                    t.counters.hits += 1
                } else {
                    var w = JSONWriter(reservingCapacity: 2048)
                    entry.render(&w)
                    t.nextId += 1
                    fragment = Fragment(entry: entry, bytes: w.bytes, id: t.nextId)
                    t.counters.renders += 1
                }
                kept[entry.nodeKey] = fragment
                out.append(fragment)
            }
            t.definitions[rdKey] = kept.isEmpty ? nil : kept
            return out
        }
    }

    /// Drops the fragments of definitions that no longer exist (after a complete view).
    func prune(liveDefinitions: Int, isLive: (String) -> Bool) {
        table.withLock { t in
            guard t.definitions.count > liveDefinitions else { return }
            t.definitions = t.definitions.filter { isLive($0.key) }
        }
    }
}
