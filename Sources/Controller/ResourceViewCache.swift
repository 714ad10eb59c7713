import ControllerCore
import Synchronization
import TandemModel

/// The rendered JSON of every resource in `GET /v1/view/resources`, kept between requests.
/// Rendering 30,000 resources cost ~300 ms of CPU per view, nearly all of it for objects that
/// had not changed since the view before. An object is reused only while every input of its
/// `ResourceViewEntry` compares equal to the current one, so there is no invalidation to forget:
/// whatever changes what a resource shows changes one of its inputs. The inputs shared by a
/// definition's resources (the definition, its resources) are compared once per definition.
/// Shared by concurrent requests; each definition is looked up and stored under one short lock.
final class ResourceViewCache: Sendable {
    /// One resource's object and the per-resource inputs it was rendered from.
    final class Fragment: Sendable {
        let nodePools: [String: StoragePoolRecord]?
        let actual: ActualResource?
        /// The resource's JSON object.
        let bytes: [UInt8]
        /// Unique per rendering: equal ids mean identical bytes (the gzip page cache relies on it).
        let id: UInt64

        init(nodePools: [String: StoragePoolRecord]?, actual: ActualResource?, bytes: [UInt8], id: UInt64) {
            self.nodePools = nodePools; self.actual = actual; self.bytes = bytes; self.id = id
        }
    }

    /// How often fragments were reused and rendered (tests, logs).
    struct Counters: Sendable, Equatable {
        var hits = 0
        var renders = 0
    }

    /// A definition's shared inputs and its resources' fragments by node key.
    private struct Definition {
        var definition: ResourceDefinitionRecord
        var placed: [String: ResourceRecord]
        var fragments: [String: Fragment]
    }

    private struct Table {
        var definitions: [String: Definition] = [:]
        var nextId: UInt64 = 0
        var counters = Counters()
    }

    private let table = Mutex(Table())

    /// The unfiltered view: every listed definition with its resources' fragments, in order.
    typealias Listing = [(rdKey: String, fragments: [Fragment])]
    /// The last unfiltered listing and the published revision it was made from.
    private let lastFull = Mutex<(revision: UInt64, listing: Listing)?>(nil)

    /// The unfiltered listing made from `revision`, if it is the last one made.
    func fullListing(revision: UInt64) -> Listing? {
        lastFull.withLock { last in last.flatMap { $0.revision == revision ? $0.listing : nil } }
    }

    func storeFullListing(_ listing: Listing, revision: UInt64) {
        lastFull.withLock { last in
            if (last?.revision ?? 0) <= revision { last = (revision, listing) }
        }
    }

    init() {}

    var counters: Counters { table.withLock { $0.counters } }
    var definitionCount: Int { table.withLock { $0.definitions.count } }

    /// One listed resource of a definition: its node and per-resource inputs.
    struct Listed {
        var nodeKey: String
        var nodePools: [String: StoragePoolRecord]?
        var actual: ActualResource?
    }

    /// The fragments of definition `rdKey`'s `listed` resources, in order, rendering only those
    /// whose inputs changed.
    func fragments(definition rdKey: String, _ rd: ResourceDefinitionRecord, placed: [String: ResourceRecord],
                   _ listed: [Listed]) -> [Fragment] {
        table.withLock { t in
            var cached = t.definitions.removeValue(forKey: rdKey)
            if let c = cached, c.definition != rd || c.placed != placed { cached = nil }
            var def = cached ?? Definition(definition: rd, placed: placed, fragments: [:])
            var out: [Fragment] = []
            out.reserveCapacity(listed.count)
            for item in listed {
                if let f = def.fragments[item.nodeKey], f.nodePools == item.nodePools, f.actual == item.actual {
                    t.counters.hits += 1
                    out.append(f)
                    continue
                }
                var w = JSONWriter(reservingCapacity: 4096)
                ResourceViewEntry(nodeKey: item.nodeKey, placed: placed, definition: rd, nodePools: item.nodePools, actual: item.actual).render(&w)
                t.nextId += 1
                let f = Fragment(nodePools: item.nodePools, actual: item.actual, bytes: w.bytes, id: t.nextId)
                t.counters.renders += 1
                def.fragments[item.nodeKey] = f
                out.append(f)
            }
            t.definitions[rdKey] = def
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
