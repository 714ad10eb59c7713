import ControllerCore
import NIOCore
import TandemModel

/// `GET /v1/view/resources`: every resource with its volumes, desired and actual state
/// together, in LINSTOR's ResourceWithVolumes shape. Served from memory: the satellites' last
/// reports are already here, so no request ever waits on a satellite. Each resource's object
/// comes from `cache` (rendered again only when what it shows changed); the full view's gzip
/// form from `GzipPageCache`.
struct ResourceView {
    var nodeFilter: Set<String>?
    var resourceFilter: Set<String>?
    var poolFilter: Set<String>?
    var propFilters: [(key: String, value: String?)] = []
    var cache = ResourceViewCache()

    /// Above this many resource definitions the answer is streamed (see `stream`).
    static let streamAboveDefinitions = 500
    static let chunkBytes = 256 << 10

    /// Whether some resources of a listed definition may be left out.
    var filtersResources: Bool { nodeFilter != nil || poolFilter != nil || !propFilters.isEmpty }
    var isUnfiltered: Bool { resourceFilter == nil && !filtersResources }

    /// The published revision `state` and the runtimes come from, when known: an unfiltered
    /// view of the revision it last listed reuses that listing without looking at any resource.
    var revision: UInt64?

    /// The whole answer at once (small views, tests).
    func render(_ state: ClusterState, _ runtimes: [String: NodeRuntime]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        var first = true
        for (_, fragments) in listing(state, runtimes) {
            for f in fragments {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out.append(contentsOf: f.bytes)
            }
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// The answer in pieces of about `chunkBytes`, each handed to `emit` as soon as it is
    /// complete: 30,000 resources are ~45 MiB of JSON, which then never sits in one buffer.
    func stream(_ state: ClusterState, _ runtimes: [String: NodeRuntime], chunkBytes: Int,
                _ emit: (ByteBuffer) async throws -> Void) async throws {
        var piece = ByteBuffer()
        piece.reserveCapacity(chunkBytes + chunkBytes / 4)
        piece.writeInteger(UInt8(ascii: "["))
        var first = true
        for (_, fragments) in listing(state, runtimes) {
            for f in fragments {
                if !first { piece.writeInteger(UInt8(ascii: ",")) }
                first = false
                piece.writeBytes(f.bytes)
            }
            if piece.readableBytes >= chunkBytes {
                try await emit(piece)
                piece = ByteBuffer()
                piece.reserveCapacity(chunkBytes + chunkBytes / 4)
            }
        }
        piece.writeInteger(UInt8(ascii: "]"))
        try await emit(piece)
    }

    /// Every listed definition with its listed resources' fragments, in order.
    func listing(_ state: ClusterState, _ runtimes: [String: NodeRuntime]) -> ResourceViewCache.Listing {
        if isUnfiltered, let revision, let reused = cache.fullListing(revision: revision) { return reused }
        let reports = Self.reports(runtimes)
        var out: ResourceViewCache.Listing = []
        for rdKey in definitionKeys(state) {
            let fs = fragments(rdKey, state, reports)
            if !fs.isEmpty { out.append((rdKey, fs)) }
        }
        if isUnfiltered {
            cache.prune(liveDefinitions: state.resources.count) { state.resources[$0] != nil }
            if let revision { cache.storeFullListing(out, revision: revision) }
        }
        return out
    }

    /// The unfiltered answer as one gzip member built from `pages` (see `GzipPageCache`).
    func streamGzip(_ state: ClusterState, _ runtimes: [String: NodeRuntime], pages: GzipPageCache, chunkBytes: Int,
                    _ emit: (ByteBuffer) async throws -> Void) async throws {
        precondition(isUnfiltered, "the gzip page cache holds the unfiltered view only")
        var piece = ByteBuffer(bytes: RawDeflate.gzipHeader)
        var crc: UInt32 = 0
        var length = 0
        var pageKeys: Set<String> = []
        var pageFirstKey: String?
        var pageFragments: [ResourceViewCache.Fragment] = []
        var isFirstPage = true
        func add(_ page: GzipPageCache.Page) {
            piece.writeBytes(page.deflated)
            crc = RawDeflate.crc32Combine(crc, page.crc, lengthB: page.length)
            length += page.length
        }
        for (rdKey, fs) in listing(state, runtimes) {
            if pageFirstKey == nil { pageFirstKey = rdKey }
            pageFragments += fs
            if let firstKey = pageFirstKey, GzipPageCache.endsPage(rdKey) {
                add(pages.page(firstKey: firstKey, isFirst: isFirstPage, pageFragments))
                pageKeys.insert(firstKey)
                isFirstPage = false
                pageFirstKey = nil
                pageFragments = []
                if piece.readableBytes >= chunkBytes {
                    try await emit(piece)
                    piece = ByteBuffer()
                }
            }
        }
        if let firstKey = pageFirstKey {
            add(pages.page(firstKey: firstKey, isFirst: isFirstPage, pageFragments))
            pageKeys.insert(firstKey)
            isFirstPage = false
        }
        let close: [UInt8] = isFirstPage ? Array("[]".utf8) : [UInt8(ascii: "]")]
        piece.writeBytes(RawDeflate.compress(close, final: true))
        crc = RawDeflate.crc32Combine(crc, RawDeflate.crc32(close), lengthB: close.count)
        length += close.count
        piece.writeBytes(RawDeflate.gzipTrailer(crc: crc, length: length))
        pages.prune(keeping: pageKeys)
        try await emit(piece)
    }

    /// The definitions to list, in name-key order.
    func definitionKeys(_ state: ClusterState) -> [String] {
        if let resourceFilter { return resourceFilter.filter { state.resources[$0] != nil }.sorted() }
        return state.resources.keys.sorted()
    }

    /// What each online node last reported, per resource (an offline node's state is unknown).
    static func reports(_ runtimes: [String: NodeRuntime]) -> [String: [String: ActualResource]] {
        var out: [String: [String: ActualResource]] = [:]
        for (key, rt) in runtimes where rt.isOnline { out[key] = rt.actualResources }
        return out
    }

    /// The listed resources of one definition, in node-key order, from the cache.
    func fragments(_ rdKey: String, _ state: ClusterState, _ reports: [String: [String: ActualResource]]) -> [ResourceViewCache.Fragment] {
        guard let rd = state.resourceDefinitions[rdKey], let placed = state.resources[rdKey] else { return [] }
        var listed: [ResourceViewCache.Listed] = []
        listed.reserveCapacity(placed.count)
        for nodeKey in placed.keys.sorted() {
            if filtersResources {
                let r = placed[nodeKey]!
                if let nodeFilter, !nodeFilter.contains(nodeKey) { continue }
                if let poolFilter, !poolFilter.contains(Naming.key(r.storagePoolName)) { continue }
                if !propFilters.allSatisfy({ f in f.value.map { r.props[f.key] == $0 } ?? (r.props[f.key] != nil) }) { continue }
            }
            listed.append(.init(nodeKey: nodeKey, nodePools: state.storagePools[nodeKey], actual: reports[nodeKey]?[rdKey]))
        }
        return cache.fragments(definition: rdKey, rd, placed: placed, listed)
    }

    /// One resource's object (GET /v1/resource-definitions/{rd}/resources/{node}).
    static func single(_ rdKey: String, nodeKey: String, _ state: ClusterState, _ runtimes: [String: NodeRuntime]) -> [UInt8]? {
        guard let rd = state.resourceDefinitions[rdKey], let placed = state.resources[rdKey] else { return nil }
        guard placed[nodeKey] != nil else { return nil }
        var w = JSONWriter()
        ResourceViewEntry(nodeKey: nodeKey, placed: placed, definition: rd, nodePools: state.storagePools[nodeKey],
                          actual: reports(runtimes)[nodeKey]?[rdKey]).render(&w)
        return w.bytes
    }
}
