import ControllerCore
import TandemModel
import Testing

@Suite struct ClusterStateTests {
    static func ctx() -> OperationContext {
        OperationContext(nowMillis: 1, makeUUID: { "uuid" }, makeSecret: { "secret" })
    }

    static func cluster(nodes: [String] = ["alpha", "bravo", "charlie"]) throws -> ClusterState {
        var s = ClusterState()
        s.ensureDefaults(ctx: ctx())
        for (i, n) in nodes.enumerated() {
            _ = try s.createNode(NodeCreate(name: n, type: .satellite, netInterfaces: [NetInterface(name: "default", address: "10.0.0.\(i + 1)", satellitePort: 3366, encryption: .plain, isActive: true, uuid: "")], props: [:]), ctx: ctx())
            _ = try s.createStoragePool(StoragePoolCreate(nodeName: n, name: "pool0", provider: .fileThin, props: ["StorDriver/StorPoolName": "/srv/pool0"]), ctx: ctx())
        }
        return s
    }

    static func live(_ s: ClusterState, freeKiB: UInt64 = 100 << 20) -> [String: NodeLiveView] {
        var out: [String: NodeLiveView] = [:]
        for key in s.nodes.keys { out[key] = NodeLiveView(online: true, poolCapacity: ["POOL0": (freeKiB, freeKiB)]) }
        return out
    }

    @Test func namingRulesAsLinstor() {
        #expect(Naming.nodeNameProblem("alpha-1.example.com") == nil)
        #expect(Naming.nodeNameProblem("-alpha") != nil)
        #expect(Naming.nodeNameProblem("al_pha") != nil)
        #expect(Naming.nodeNameProblem(String(repeating: "a", count: 64)) != nil)
        #expect(Naming.resourceNameProblem("backups") == nil)
        #expect(Naming.resourceNameProblem("_db-1") == nil)
        #expect(Naming.resourceNameProblem("1db") != nil)
        #expect(Naming.resourceNameProblem("a") != nil)
        #expect(Naming.resourceNameProblem("__") != nil)
        #expect(Naming.resourceNameProblem("has space") != nil)
        #expect(Naming.resourceNameProblem(String(repeating: "a", count: 49)) != nil)
        #expect(Naming.storagePoolNameProblem("p0") != nil)
        #expect(Naming.storagePoolNameProblem("pool0") == nil)
    }

    @Test func nodeGetsDisklessPoolAndNamesAreCaseInsensitive() throws {
        var s = try Self.cluster(nodes: ["alpha"])
        #expect(s.storagePool(node: "ALPHA", pool: "dfltdisklessstorpool")?.provider == .diskless)
        #expect(throws: ApiError.self) {
            try s.createNode(NodeCreate(name: "Alpha", type: .satellite, netInterfaces: [NetInterface(name: "default", address: "10.0.0.9", satellitePort: nil, encryption: nil, isActive: true, uuid: "")], props: [:]), ctx: Self.ctx())
        }
    }

    @Test func allocatesMinorsPortsAndNodeIds() throws {
        var s = try Self.cluster()
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "web"), ctx: Self.ctx())
        _ = try s.createVolumeDefinition("web", VolumeDefinitionCreate(sizeKiB: 1024), ctx: Self.ctx())
        _ = try s.createVolumeDefinition("web", VolumeDefinitionCreate(sizeKiB: 2048), ctx: Self.ctx())
        #expect(s.resourceDefinition("web")!.volumeDefinitions.map(\.minor) == [1000, 1001])
        _ = try s.autoplace("web", filter: AutoSelectFilter(), live: Self.live(s), ctx: Self.ctx())
        let placed = s.resources(of: "web")
        #expect(placed.count == 2)
        #expect(Set(placed.map(\.nodeId)) == [0, 1])
        #expect(placed.allSatisfy { $0.tcpPort == 7000 })
        _ = try s.createResources("web", [ResourceCreate(nodeName: "charlie", flags: ["DRBD_DISKLESS"])], ctx: Self.ctx())
        let c = s.resource("web", node: "charlie")!
        #expect(c.isDiskless && c.nodeId == 2 && c.storagePoolName == "DfltDisklessStorPool")
        // A second resource gets the next minor and port.
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "db"), ctx: Self.ctx())
        _ = try s.createVolumeDefinition("db", VolumeDefinitionCreate(sizeKiB: 1024), ctx: Self.ctx())
        _ = try s.createResources("db", [ResourceCreate(nodeName: "alpha", props: ["StorPoolName": "pool0"])], ctx: Self.ctx())
        #expect(s.resourceDefinition("db")!.volumeDefinitions[0].minor == 1002)
        #expect(s.resource("db", node: "alpha")!.tcpPort == 7001)
        // Deleting frees the numbers for reuse.
        _ = try s.deleteResourceDefinition("web")
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "web2"), ctx: Self.ctx())
        _ = try s.createVolumeDefinition("web2", VolumeDefinitionCreate(sizeKiB: 1024), ctx: Self.ctx())
        #expect(s.resourceDefinition("web2")!.volumeDefinitions[0].minor == 1000)
    }

    @Test func numberPoolExhaustionIsReported() {
        var p = NumberPool(range: 1...3)
        #expect(p.allocateLowest() == 1 && p.allocateLowest() == 2 && p.allocateLowest() == 3)
        #expect(p.allocateLowest() == nil)
        p.release(2)
        #expect(p.allocateLowest() == 2)
        let retake = p.take(2), outside = p.take(9)
        #expect(!retake)
        #expect(!outside)
    }

    @Test func peerSlotsBoundReplicas() throws {
        var s = try Self.cluster()
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "tiny", peerSlots: 1), ctx: Self.ctx())
        _ = try s.createVolumeDefinition("tiny", VolumeDefinitionCreate(sizeKiB: 1024), ctx: Self.ctx())
        _ = try s.createResources("tiny", [ResourceCreate(nodeName: "alpha", props: ["StorPoolName": "pool0"]), ResourceCreate(nodeName: "bravo", props: ["StorPoolName": "pool0"])], ctx: Self.ctx())
        do {
            _ = try s.createResources("tiny", [ResourceCreate(nodeName: "charlie", props: ["StorPoolName": "pool0"])], ctx: Self.ctx())
            Issue.record("third replica accepted with 1 peer slot")
        } catch {
            #expect(error.rcs[0].code == 803)
            #expect(error.rcs[0].message.contains("peer slots"))
        }
    }

    @Test func badInputIsRefusedWithReasons() throws {
        var s = try Self.cluster()
        func code(_ body: (inout ClusterState) throws(ApiError) -> [ApiCallRc]) -> Int? {
            do { _ = try body(&s); return nil } catch { return error.rcs.first?.code }
        }
        #expect(code { s throws(ApiError) in try s.createResourceDefinition(ResourceDefinitionCreate(name: "9bad"), ctx: Self.ctx()) } == 202)
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "web"), ctx: Self.ctx())
        #expect(code { s throws(ApiError) in try s.createResourceDefinition(ResourceDefinitionCreate(name: "WEB"), ctx: Self.ctx()) } == 501)
        #expect(code { s throws(ApiError) in try s.createVolumeDefinition("web", VolumeDefinitionCreate(sizeKiB: 0), ctx: Self.ctx()) } == 206)
        #expect(code { s throws(ApiError) in try s.createVolumeDefinition("web", VolumeDefinitionCreate(sizeKiB: 1 << 60), ctx: Self.ctx()) } == 206)
        #expect(code { s throws(ApiError) in try s.createVolumeDefinition("nope", VolumeDefinitionCreate(sizeKiB: 1), ctx: Self.ctx()) } == 301)
        #expect(code { s throws(ApiError) in try s.createResources("web", [ResourceCreate(nodeName: "zulu")], ctx: Self.ctx()) } == 300)
        #expect(code { s throws(ApiError) in try s.createResources("web", [ResourceCreate(nodeName: "alpha", props: ["StorPoolName": "nope"])], ctx: Self.ctx()) } == 310)
        #expect(code { s throws(ApiError) in try s.createStoragePool(StoragePoolCreate(nodeName: "alpha", name: "pool1", provider: .file, props: ["StorDriver/StorPoolName": "relative"]), ctx: Self.ctx()) } == 213)
        #expect(code { s throws(ApiError) in try s.deleteResourceGroup("DfltRscGrp") } == 997)
        _ = try s.createVolumeDefinition("web", VolumeDefinitionCreate(sizeKiB: 1024), ctx: Self.ctx())
        _ = try s.autoplace("web", filter: AutoSelectFilter(), live: Self.live(s), ctx: Self.ctx())
        let holder = s.resources(of: "web")[0].nodeName
        #expect(code { s throws(ApiError) in try s.deleteNode(holder) } == 997)
        #expect(code { s throws(ApiError) in try s.deleteStoragePool(node: holder, pool: "pool0") } == 997)
    }

    @Test func autoplaceExplainsShortage() throws {
        var s = try Self.cluster()
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "big"), ctx: Self.ctx())
        _ = try s.createVolumeDefinition("big", VolumeDefinitionCreate(sizeKiB: 40 << 20), ctx: Self.ctx())
        var live = Self.live(s, freeKiB: 10 << 20)
        live["ALPHA"] = NodeLiveView(online: true, poolCapacity: ["POOL0": (50 << 20, 50 << 20)])
        var f = AutoSelectFilter()
        f.placeCount = 2
        f.storagePools = ["pool0"]
        do {
            _ = try s.autoplace("big", filter: f, live: live, ctx: Self.ctx())
            Issue.record("placed without room")
        } catch {
            #expect(error.rcs[0].code == 996)
            #expect(error.rcs[0].message.contains("only 1 of 3 nodes has a FILE_THIN pool named 'pool0' with 40 GiB free"), "\(error.rcs[0].message)")
        }
        #expect(s.resources(of: "big").isEmpty)
    }

    @Test func desiredStateNamesPeersAndVolumes() throws {
        var s = try Self.cluster()
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "web", props: ["DrbdOptions/Resource/quorum": "majority"]), ctx: Self.ctx())
        _ = try s.createVolumeDefinition("web", VolumeDefinitionCreate(sizeKiB: 4096), ctx: Self.ctx())
        var f = AutoSelectFilter()
        f.placeCount = 2
        f.disklessOnRemaining = true
        _ = try s.autoplace("web", filter: f, live: Self.live(s), ctx: Self.ctx())
        let d = try #require(s.desiredState(forNode: "alpha", generation: 5))
        #expect(d.generation == 5)
        #expect(d.storagePools.map(\.name) == ["DfltDisklessStorPool", "pool0"])
        let r = try #require(d.resources.first)
        #expect(r.volumes == [DesiredVolume(volumeNumber: 0, sizeKiB: 4096, minor: 1000, storagePool: r.diskless ? nil : "pool0")])
        #expect(r.peers.count == 2)
        #expect(r.options["quorum"] == "majority")
        #expect(s.resources(of: "web").filter(\.isDiskless).count == 1)
    }

    @Test func operationJournalsEveryChange() throws {
        var s = try Self.cluster(nodes: ["alpha"])
        _ = s.takeJournal()
        _ = try s.createResourceDefinition(ResourceDefinitionCreate(name: "web"), ctx: Self.ctx())
        _ = try s.createVolumeDefinition("web", VolumeDefinitionCreate(sizeKiB: 4096), ctx: Self.ctx())
        _ = try s.createResources("web", [ResourceCreate(nodeName: "alpha", props: ["StorPoolName": "pool0"])], ctx: Self.ctx())
        let (changes, touched) = s.takeJournal()
        #expect(changes.count == 3)
        #expect(touched == ["ALPHA"])
    }
}
