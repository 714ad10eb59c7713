@testable import Controller
import ControllerCore
import Foundation
import NIOCore
import TandemModel
import Testing

/// The view cache: a change to a resource, its volumes, its definition, its peers, its node or
/// what the node reports shows up in the very next view, and nothing else is rendered again.
/// Every cached answer is compared byte for byte with one rendered from scratch.
@Suite struct ResourceViewCacheTests {
    static let ctx = ClusterStateTests.ctx()

    static func cluster(definitions: Int) throws -> ClusterState {
        var s = try ClusterStateTests.cluster(nodes: ["alpha", "bravo", "charlie"])
        var two = AutoSelectFilter()
        two.placeCount = 2
        for i in 0..<definitions {
            _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "res\(i)"), ctx: ctx)
            _ = try s.createVolumeDefinition("res\(i)", VolumeDefinitionCreate(sizeKiB: 1024), ctx: ctx)
            _ = try s.autoplace("res\(i)", filter: two, live: ClusterStateTests.live(s), ctx: ctx)
        }
        return s
    }

    static func report(_ s: ClusterState, node: String, diskState: String = "UpToDate", inUse: Bool = false) -> NodeRuntime {
        var rt = NodeRuntime(desiredGeneration: 1)
        rt.link = .online(satelliteVersion: "test")
        let mine = s.resourcesOnNode[Naming.key(node)] ?? []
        let resources = mine.sorted().map { rdKey in
            ActualResource(name: s.resourceDefinitions[rdKey]!.name, role: "Secondary", inUse: inUse,
                           volumes: [ActualVolume(volumeNumber: 0, diskState: diskState, allocatedKiB: 512)], connections: [])
        }
        rt.absorb(NodeActualState(appliedGeneration: 1, storagePools: [], resources: resources), nowMillis: 1)
        return rt
    }

    /// Renders with `cache` and from scratch; they must agree.
    static func view(_ s: ClusterState, _ runtimes: [String: NodeRuntime], _ cache: ResourceViewCache,
                     sourceLocation: SourceLocation = #_sourceLocation) -> [UInt8] {
        let cached = ResourceView(cache: cache).render(s, runtimes)
        let fresh = ResourceView().render(s, runtimes)
        #expect(cached == fresh, "the cached view equals a view rendered from scratch", sourceLocation: sourceLocation)
        return cached
    }

    @Test func everyKindOfChangeShowsUpInTheNextViewAndOnlyItIsRenderedAgain() throws {
        var s = try Self.cluster(definitions: 30)
        var runtimes = ["ALPHA": Self.report(s, node: "alpha"), "BRAVO": Self.report(s, node: "bravo"), "CHARLIE": Self.report(s, node: "charlie")]
        let cache = ResourceViewCache()
        var before = Self.view(s, runtimes, cache)
        #expect(cache.counters == .init(hits: 0, renders: 60))
        #expect(Self.view(s, runtimes, cache) == before)
        #expect(cache.counters == .init(hits: 60, renders: 60), "an unchanged cluster renders nothing")

        // Each change, and how many resources it may render again (res7's, or a node's ~20).
        let res7Node = try #require(s.resources(of: "res7").first).nodeName
        let changes: [(String, Int, (inout ClusterState, inout [String: NodeRuntime]) throws -> Void)] = [
            ("resource property", 2, { s, _ in _ = try s.modifyResource("res7", node: res7Node, props: PropsChange(override: ["Aux/x": "1"])) }),
            ("volume definition size", 2, { s, _ in _ = try s.modifyVolumeDefinition("res7", number: 0, VolumeDefinitionModify(sizeKiB: 4096)) }),
            ("definition peer slots", 2, { s, _ in
                var m = ResourceDefinitionModify(); m.peerSlots = 5
                _ = try s.modifyResourceDefinition("res7", m)
            }),
            ("second volume", 2, { s, _ in _ = try s.createVolumeDefinition("res7", VolumeDefinitionCreate(sizeKiB: 2048), ctx: Self.ctx) }),
            ("a peer added (diskless third replica)", 3, { s, _ in
                let missing = ["alpha", "bravo", "charlie"].first { s.resource("res7", node: $0) == nil }!
                _ = try s.createResources("res7", [ResourceCreate(nodeName: missing, flags: ["DRBD_DISKLESS"])], ctx: Self.ctx)
            }),
            ("a peer deleted", 2, { s, _ in _ = try s.deleteResource("res7", node: res7Node) }),
            ("reported state", 25, { s, rt in rt["BRAVO"] = Self.report(s, node: "bravo", diskState: "Outdated", inUse: true) }),
            ("node offline", 25, { _, rt in rt["CHARLIE"]?.link = .offline(reason: "test") }),
            ("node back online", 25, { _, rt in rt["CHARLIE"]?.link = .online(satelliteVersion: "test") }),
            ("definition deleted", 0, { s, _ in _ = try s.deleteResourceDefinition("res8") }),
        ]
        for (what, rerenderMax, change) in changes {
            _ = s.takeJournal()
            try change(&s, &runtimes)
            let rendered = cache.counters.renders
            let after = Self.view(s, runtimes, cache)
            #expect(after != before, "\(what) shows up in the next view")
            let again = cache.counters.renders - rendered
            #expect(again >= 0 && again <= rerenderMax, "\(what): \(again) resources rendered again, at most \(rerenderMax)")
            before = after
        }
        #expect(cache.definitionCount == 29, "the deleted definition's fragments are dropped")
    }

    @Test func aPublishedRevisionListedBeforeIsReusedAndANewOneIsNot() throws {
        var s = try Self.cluster(definitions: 5)
        let runtimes = ["ALPHA": Self.report(s, node: "alpha")]
        let cache = ResourceViewCache()
        let first = ResourceView(cache: cache, revision: 7).render(s, runtimes)
        let counters = cache.counters
        _ = try s.modifyResource("res1", node: s.resources(of: "res1")[0].nodeName, props: PropsChange(override: ["Aux/x": "1"]))
        // Revision 7 names one published state: its listing is reused without looking at any
        // resource (the controller bumps the revision on every change it publishes).
        #expect(ResourceView(cache: cache, revision: 7).render(s, runtimes) == first)
        #expect(cache.counters == counters)
        let next = ResourceView(cache: cache, revision: 8).render(s, runtimes)
        #expect(next != first && next == ResourceView().render(s, runtimes))
        // Filtered views never take the unfiltered listing.
        #expect(ResourceView(nodeFilter: ["ALPHA"], cache: cache, revision: 8).render(s, runtimes) == ResourceView(nodeFilter: ["ALPHA"]).render(s, runtimes))
    }

    @Test func filteredViewsShareTheCacheWithoutLosingResources() throws {
        let s = try Self.cluster(definitions: 10)
        let runtimes = ["ALPHA": Self.report(s, node: "alpha")]
        let cache = ResourceViewCache()
        let bravoOnly = ResourceView(nodeFilter: ["BRAVO"], cache: cache).render(s, runtimes)
        #expect(bravoOnly == ResourceView(nodeFilter: ["BRAVO"]).render(s, runtimes))
        // The node-filtered view cached some resources; the full one still lists every resource.
        #expect(Self.view(s, runtimes, cache) == ResourceView().render(s, runtimes))
        #expect(ResourceView(resourceFilter: ["RES3"], cache: cache).render(s, runtimes) == ResourceView(resourceFilter: ["RES3"]).render(s, runtimes))
    }

    @Test func gzipFromCachedPagesInflatesToTheViewAndRecompressesOnlyTheChangedPage() async throws {
        var s = try Self.cluster(definitions: 300)
        let runtimes = ["ALPHA": Self.report(s, node: "alpha")]
        let cache = ResourceViewCache(), pages = GzipPageCache()
        func gzipped() async throws -> [UInt8] {
            var out: [UInt8] = []
            try await ResourceView(cache: cache).streamGzip(s, runtimes, pages: pages, chunkBytes: 4096) { out += Array($0.readableBytesView) }
            return try GzipTests.gunzip(out)
        }
        #expect(try await gzipped() == ResourceView().render(s, runtimes))
        let firstPages = pages.counters.compressed
        #expect(firstPages > 2, "300 definitions make several pages (\(firstPages))")
        #expect(try await gzipped() == ResourceView().render(s, runtimes))
        #expect(pages.counters.compressed == firstPages, "an unchanged view compresses nothing")

        _ = try s.modifyResource("res150", node: s.resources(of: "res150")[0].nodeName, props: PropsChange(override: ["Aux/x": "1"]))
        #expect(try await gzipped() == ResourceView().render(s, runtimes))
        #expect(pages.counters.compressed == firstPages + 1, "only the changed page is compressed again")

        _ = try s.deleteResourceDefinition("res0")
        _ = try s.deleteResourceDefinition("res299")
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "res300"), ctx: Self.ctx)
        _ = try s.createResources("res300", [ResourceCreate(nodeName: "alpha", props: ["StorPoolName": "pool0"])], ctx: Self.ctx)
        #expect(try await gzipped() == ResourceView().render(s, runtimes))
        #expect(pages.pageCount <= firstPages + 1)
    }

    @Test func rawDeflatePiecesConcatenateToOneGzipMember() throws {
        let a = Array(String(repeating: "{\"name\":\"res\"},", count: 500).utf8), b = Array("tail".utf8)
        var member = RawDeflate.gzipHeader
        member += RawDeflate.compress(a, final: false)
        member += RawDeflate.compress(b, final: true)
        let crc = RawDeflate.crc32Combine(RawDeflate.crc32(a), RawDeflate.crc32(b), lengthB: b.count)
        #expect(crc == RawDeflate.crc32(a + b))
        member += RawDeflate.gzipTrailer(crc: crc, length: a.count + b.count)
        #expect(try GzipTests.gunzip(member) == a + b)
        #expect(member.count < a.count / 5)
    }
}
