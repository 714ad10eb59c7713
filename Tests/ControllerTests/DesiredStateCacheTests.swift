import ControllerCore
import TandemModel
import Testing

/// The cache must never hand a satellite a stale desired state: after every kind of change,
/// what it builds equals what the state builds from scratch, on every node.
@Suite struct DesiredStateCacheTests {
    typealias T = ClusterStateTests

    /// Applies `op` to `s`, tells the cache what changed, and compares every node's desired
    /// state built through the cache with the one built from scratch.
    static func step(_ s: inout ClusterState, _ cache: inout DesiredStateCache, _ what: Comment,
                     _ op: (inout ClusterState) throws -> Void) throws {
        try op(&s)
        cache.invalidate(after: s.takeJournal().changes)
        for key in s.nodes.keys.sorted() {
            #expect(cache.desiredState(of: s, forNode: key, generation: 7) == s.desiredState(forNode: key, generation: 7), "\(what), node \(key)")
        }
    }

    static func placing(_ count: Int) -> AutoSelectFilter {
        var f = AutoSelectFilter()
        f.placeCount = count
        return f
    }

    @Test func cachedDesiredStateMatchesAfterEveryKindOfChange() throws {
        var s = try T.cluster(nodes: ["alpha", "bravo", "charlie", "delta"])
        var cache = DesiredStateCache()
        let ctx = T.ctx()
        try Self.step(&s, &cache, "initial") { _ in }
        for name in ["web", "db", "logs"] {
            try Self.step(&s, &cache, "spawn \(name)") { s in
                _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: name), ctx: ctx)
                _ = try s.createVolumeDefinition(name, VolumeDefinitionCreate(sizeKiB: 1024), ctx: ctx)
                _ = try s.autoplace(name, filter: Self.placing(2), live: T.live(s), ctx: ctx)
            }
        }
        #expect(cache.count == 6)
        try Self.step(&s, &cache, "third replica of web") { s in
            _ = try s.autoplace("web", filter: Self.placing(3), live: T.live(s), ctx: ctx)
        }
        try Self.step(&s, &cache, "second volume of db") { s in
            _ = try s.createVolumeDefinition("db", VolumeDefinitionCreate(sizeKiB: 4096), ctx: ctx)
        }
        try Self.step(&s, &cache, "definition option") { s in
            var m = ResourceDefinitionModify()
            m.props = PropsChange(override: ["DrbdOptions/Net/protocol": "A"])
            _ = try s.modifyResourceDefinition("logs", m)
        }
        try Self.step(&s, &cache, "group option") { s in
            var m = ResourceGroupModify()
            m.props = PropsChange(override: ["DrbdOptions/Resource/quorum": "majority"])
            _ = try s.modifyResourceGroup("DfltRscGrp", m)
        }
        try Self.step(&s, &cache, "controller option") { s in
            _ = try s.setControllerProps(PropsChange(override: ["DrbdOptions/Net/max-buffers": "8000"]))
        }
        let holder = try #require(s.resources(of: "web").first?.nodeName)
        try Self.step(&s, &cache, "resource option") { s in
            _ = try s.modifyResource("web", node: holder, props: PropsChange(override: ["DrbdOptions/Disk/c-max-rate": "100M"]))
        }
        try Self.step(&s, &cache, "replication address of a peer (PrefNic)") { s in
            _ = try s.modifyNode(holder, type: nil, props: PropsChange(override: ["PrefNic": "default"]))
        }
        try Self.step(&s, &cache, "resource deleted") { s in
            _ = try s.deleteResource("web", node: holder)
        }
        try Self.step(&s, &cache, "definition deleted") { s in
            _ = try s.deleteResourceDefinition("db")
        }
    }
}
