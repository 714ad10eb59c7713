import Placement
import TandemModel
import Testing

@Suite struct PlacementTests {
    static let gib: UInt64 = 1024 * 1024

    func node(_ name: String, online: Bool = true, props: [String: String] = [:], _ pools: [PlacementPool]) -> PlacementNode {
        PlacementNode(name: name, online: online, props: props, pools: pools)
    }
    func pool(_ name: String = "pool0", _ kind: StorageProviderKind = .fileThin, free: UInt64?, count: Int = 0) -> PlacementPool {
        PlacementPool(name: name, provider: kind, freeKiB: free, totalKiB: free.map { $0 * 2 }, resourceCount: count)
    }

    @Test func mostFreeSpaceFirstOnDistinctNodes() throws {
        let nodes = [
            node("a", [pool(free: 10 * Self.gib), pool("pool1", free: 90 * Self.gib)]),
            node("b", [pool(free: 50 * Self.gib)]),
            node("c", [pool(free: 30 * Self.gib)]),
        ]
        let chosen = try Placement.place(PlacementRequest(count: 2, sizeKiB: Self.gib), nodes: nodes).get()
        #expect(chosen == [PlacementChoice(node: "a", pool: "pool1"), PlacementChoice(node: "b", pool: "pool0")])
    }

    @Test func failureSaysHowManyNodesQualify() {
        let nodes = [node("alpha", [pool(free: 50 * Self.gib)]), node("bravo", [pool(free: 10 * Self.gib)])]
        let result = Placement.place(PlacementRequest(count: 2, sizeKiB: 40 * Self.gib, storagePools: ["pool0"]), nodes: nodes)
        guard case .failure(let f) = result else { Issue.record("placed although bravo lacks space"); return }
        #expect(f.message.contains("only 1 of 2 nodes has a FILE_THIN pool named 'pool0' with 40 GiB free"), "\(f.message)")
        #expect(f.details.contains("bravo: pool 'pool0' has only 10 GiB free"), "\(f.details)")
    }

    @Test func unknownCapacityIsNeverChosen() {
        let nodes = [node("a", [pool(free: nil)]), node("b", [pool(free: 100 * Self.gib)])]
        let result = Placement.place(PlacementRequest(count: 2, sizeKiB: 1), nodes: nodes)
        guard case .failure(let f) = result else { Issue.record("placed on a pool of unknown size"); return }
        #expect(f.details.contains { $0.contains("has not reported its capacity") })
        #expect(try! Placement.place(PlacementRequest(count: 1, sizeKiB: 1), nodes: nodes).get() == [PlacementChoice(node: "b", pool: "pool0")])
    }

    @Test func offlineAndExcludedNodesAreSkippedWithReasons() {
        var excluded = node("c", [pool(free: 100 * Self.gib)])
        excluded.excludedBecause = "already holds resource 'web'"
        let nodes = [node("a", online: false, [pool(free: 100 * Self.gib)]), node("b", [pool(free: 1 * Self.gib)]), excluded]
        guard case .failure(let f) = Placement.place(PlacementRequest(count: 2, sizeKiB: 1), nodes: nodes) else { Issue.record("placed"); return }
        #expect(f.details.contains("a: offline"))
        #expect(f.details.contains("c: already holds resource 'web'"))
        #expect(f.message.contains("only 1 of 3 nodes"))
    }

    @Test func storagePoolAndProviderFilters() throws {
        let nodes = [
            node("a", [pool("fast", .lvmThin, free: 10 * Self.gib), pool("slow", .file, free: 90 * Self.gib)]),
            node("b", [pool("fast", .lvmThin, free: 20 * Self.gib), pool("slow", .file, free: 80 * Self.gib)]),
        ]
        let byName = try Placement.place(PlacementRequest(count: 2, sizeKiB: 1, storagePools: ["FAST"]), nodes: nodes).get()
        #expect(byName.map(\.pool) == ["fast", "fast"])
        #expect(byName.map(\.node) == ["b", "a"])
        let byKind = try Placement.place(PlacementRequest(count: 1, sizeKiB: 1, providers: [.file]), nodes: nodes).get()
        #expect(byKind == [PlacementChoice(node: "a", pool: "slow")])
        let diskless = [node("x", [pool("DfltDisklessStorPool", .diskless, free: 1 << 40)])]
        #expect(throws: PlacementFailure.self) { try Placement.place(PlacementRequest(count: 1, sizeKiB: 1), nodes: diskless).get() }
    }

    @Test func replicasOnDifferentSpreadsAcrossValues() throws {
        let nodes = [
            node("a", props: ["Aux/site": "dc1"], [pool(free: 100 * Self.gib)]),
            node("b", props: ["Aux/site": "dc1"], [pool(free: 90 * Self.gib)]),
            node("c", props: ["Aux/site": "dc2"], [pool(free: 10 * Self.gib)]),
        ]
        let chosen = try Placement.place(PlacementRequest(count: 2, sizeKiB: 1, replicasOnDifferent: ["Aux/site"]), nodes: nodes).get()
        #expect(chosen.map(\.node) == ["a", "c"])
        let three = Placement.place(PlacementRequest(count: 3, sizeKiB: 1, replicasOnDifferent: ["Aux/site"]), nodes: nodes)
        guard case .failure(let f) = three else { Issue.record("3 replicas on 2 sites"); return }
        #expect(f.message.contains("replicas-on-different"))
        let x = try Placement.place(PlacementRequest(count: 3, sizeKiB: 1, xReplicasOnDifferent: ["Aux/site": 2]), nodes: nodes).get()
        #expect(x.count == 3)
    }

    @Test func replicasOnSamePicksTheBestCompleteGroup() throws {
        let nodes = [
            node("a", props: ["Aux/rack": "r1"], [pool(free: 100 * Self.gib)]),
            node("b", props: ["Aux/rack": "r2"], [pool(free: 60 * Self.gib)]),
            node("c", props: ["Aux/rack": "r2"], [pool(free: 50 * Self.gib)]),
            node("d", [pool(free: 500 * Self.gib)]),
        ]
        let chosen = try Placement.place(PlacementRequest(count: 2, sizeKiB: 1, replicasOnSame: ["Aux/rack"]), nodes: nodes).get()
        #expect(chosen.map(\.node) == ["b", "c"])
        let fixed = try Placement.place(PlacementRequest(count: 1, sizeKiB: 1, replicasOnSame: ["Aux/rack=r1"]), nodes: nodes).get()
        #expect(fixed.map(\.node) == ["a"])
        let existing = PlacementNode(name: "z", online: true, props: ["Aux/rack": "r2"], pools: [])
        let follow = try Placement.place(PlacementRequest(count: 1, sizeKiB: 1, replicasOnSame: ["Aux/rack"], existingReplicaNodes: [existing]), nodes: nodes).get()
        #expect(follow.map(\.node) == ["b"])
    }

    @Test func nodeNameListRestrictsCandidates() throws {
        let nodes = [node("a", [pool(free: 100 * Self.gib)]), node("b", [pool(free: 10 * Self.gib)])]
        let chosen = try Placement.place(PlacementRequest(count: 1, sizeKiB: 1, nodeNames: ["B"]), nodes: nodes).get()
        #expect(chosen.map(\.node) == ["b"])
    }

    @Test func tiesBreakByNodeName() throws {
        let nodes = [node("c", [pool(free: 5)]), node("a", [pool(free: 5)]), node("b", [pool(free: 5)])]
        #expect(try Placement.place(PlacementRequest(count: 2, sizeKiB: 1), nodes: nodes).get().map(\.node) == ["a", "b"])
    }
}
