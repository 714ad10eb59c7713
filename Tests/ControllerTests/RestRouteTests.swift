import Controller
import ControllerCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ScratchFolders
import TandemModel
import Testing

/// Route tests: the real router, store and controller, with fake satellites, without sockets.
@Suite(.removesScratchFolders) struct RestRouteTests {
    struct Harness {
        let dir: String
        let fake: FakeSatelliteConnector
        let controller: ClusterController
        let app: Application<RouterResponder<BasicRequestContext>>
    }

    static func harness(dir: String? = nil, capacityKiB: UInt64? = 100 << 20, applyWait: Duration = .milliseconds(500)) async throws -> Harness {
        let dir = try dir ?? ScratchFolder.make("tandem-ctl-")
        let fake = FakeSatelliteConnector(defaultPoolTotalKiB: capacityKiB)
        let store = try ControllerStore(stateDirectory: dir)
        let controller = try ClusterController(store: store, connector: fake, options: .init(applyWait: applyWait))
        await controller.start()
        // Its sessions to the fake satellites outlive the test body otherwise.
        try ScratchFolder.onTestEnd { await controller.stop() }
        let app = Application(router: RestAPI(controller: controller).buildRouter())
        return Harness(dir: dir, fake: fake, controller: controller, app: app)
    }

    struct Reply {
        let status: HTTPResponse.Status
        let json: Any
        var rcs: [[String: Any]] { json as? [[String: Any]] ?? [] }
        var retCodes: [Int64] { rcs.compactMap { ($0["ret_code"] as? NSNumber)?.int64Value } }
        var messages: String { rcs.compactMap { $0["message"] as? String }.joined(separator: " | ") }
    }

    static func call(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil) async throws -> Reply {
        try await client.execute(uri: uri, method: method, body: body.map { ByteBuffer(string: $0) }) { response in
            let data = Data(buffer: response.body)
            let json = data.isEmpty ? NSNull() : (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) ?? NSNull()
            return Reply(status: response.status, json: json)
        }
    }

    static func setUpCluster(_ c: some TestClientProtocol, nodes: [String] = ["alpha", "bravo", "charlie"]) async throws {
        for (i, n) in nodes.enumerated() {
            let r = try await call(c, .post, "/v1/nodes", #"{"name":"\#(n)","type":"satellite","net_interfaces":[{"name":"default","address":"10.0.0.\#(i + 1)","satellite_port":3366,"satellite_encryption_type":"plain","is_active":true}]}"#)
            #expect(r.status == .created, "\(r.messages)")
            let p = try await call(c, .post, "/v1/nodes/\(n)/storage-pools", #"{"storage_pool_name":"pool0","provider_kind":"FILE_THIN","props":{"StorDriver/StorPoolName":"/srv/pool0"}}"#)
            #expect(p.status == .created, "\(p.messages)")
        }
    }

    /// Waits until every fake satellite has reported its pools (sessions are asynchronous).
    static func settle(_ h: Harness) async throws {
        for _ in 0..<200 {
            let (state, runtimes) = await h.controller.snapshot()
            let ready = state.nodes.keys.allSatisfy { k in
                guard let rt = runtimes[k], rt.isOnline else { return false }
                return rt.appliedGeneration >= rt.desiredGeneration
            }
            if ready { return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func versionAndHealth() async throws {
        let h = try await Self.harness()
        try await h.app.test(.router) { c in
            let v = try await Self.call(c, .get, "/v1/controller/version")
            #expect(v.status == .ok)
            #expect((v.json as? [String: Any])?["rest_api_version"] as? String == "1.28.0")
            #expect(try await Self.call(c, .get, "/health").status == .ok)
        }
    }

    @Test func nodeLifecycleWithLinstorCodes() async throws {
        let h = try await Self.harness()
        try await h.app.test(.router) { c in
            try await Self.setUpCluster(c, nodes: ["alpha"])
            try await Self.settle(h)
            let list = try await Self.call(c, .get, "/v1/nodes")
            let nodes = list.json as? [[String: Any]] ?? []
            #expect(nodes.count == 1)
            #expect(nodes.first?["type"] as? String == "SATELLITE")
            #expect(nodes.first?["connection_status"] as? String == "ONLINE")
            let dup = try await Self.call(c, .post, "/v1/nodes", #"{"name":"ALPHA","net_interfaces":[{"name":"default","address":"10.0.0.7"}]}"#)
            #expect(dup.status == .internalServerError)
            #expect(dup.retCodes == [-4611686018406678028], "FAIL_EXISTS_NODE as LINSTOR composes it")
            let missing = try await Self.call(c, .get, "/v1/nodes/zulu")
            #expect(missing.status == .notFound)
            let sp = try await Self.call(c, .get, "/v1/view/storage-pools")
            let pools = sp.json as? [[String: Any]] ?? []
            #expect(pools.map { $0["storage_pool_name"] as? String } == ["DfltDisklessStorPool", "pool0"])
            #expect((pools.last?["free_capacity"] as? NSNumber)?.int64Value == 100 << 20)
            #expect(pools.allSatisfy { $0["free_space_mgr_name"] is String })
            let del = try await Self.call(c, .delete, "/v1/nodes/alpha")
            #expect(del.status == .ok)
            #expect(del.retCodes == [54263810], "node deleted")
        }
    }

    /// Issue #4 item 2: a pool the node's satellite cannot use (here: LVM without
    /// device-mapper) is not created; the reply carries the satellite's reason.
    @Test func storagePoolTheSatelliteCannotUseIsRefusedWithItsReason() async throws {
        let h = try await Self.harness()
        try await h.app.test(.router) { c in
            try await Self.setUpCluster(c, nodes: ["alpha"])
            try await Self.settle(h)
            let why = "LVM needs the kernel's device-mapper, and this machine has none (/dev/mapper/control is missing)"
            h.fake.setPoolError("alpha", pool: "lvm0", error: why)
            let r = try await Self.call(c, .post, "/v1/nodes/alpha/storage-pools", #"{"storage_pool_name":"lvm0","provider_kind":"LVM","props":{"StorDriver/StorPoolName":"vg0"}}"#)
            #expect(r.status == .internalServerError, "\(r.messages)")
            #expect(r.messages.contains("(alpha) \(why)"), "\(r.messages)")
            #expect(r.messages.contains("Registration of storage pool 'lvm0' on node 'alpha' failed"), "\(r.messages)")
            let (state, _) = await h.controller.snapshot()
            #expect(state.storagePool(node: "alpha", pool: "lvm0") == nil, "nothing is left of the refused pool")
            #expect(h.fake.lastDesired("alpha")?.storagePools.contains { $0.name == "lvm0" } == false, "the satellite is told the pool is gone")
            // Once the node can use it, the same request creates it.
            h.fake.setPoolError("alpha", pool: "lvm0", error: nil)
            let again = try await Self.call(c, .post, "/v1/nodes/alpha/storage-pools", #"{"storage_pool_name":"lvm0","provider_kind":"LVM","props":{"StorDriver/StorPoolName":"vg0"}}"#)
            #expect(again.status == .created, "\(again.messages)")
        }
        await h.controller.stop()
    }

    @Test func badRequestsChangeNothing() async throws {
        let h = try await Self.harness()
        try await h.app.test(.router) { c in
            try await Self.setUpCluster(c, nodes: ["alpha"])
            let cases: [(String, String, HTTPResponse.Status)] = [
                ("/v1/nodes", "{not json", .badRequest),
                ("/v1/nodes", #"{"name":"bad_name","net_interfaces":[{"name":"default","address":"10.0.0.9"}]}"#, .internalServerError),
                ("/v1/nodes", #"{"name":"ok","type":"spaceship","net_interfaces":[{"name":"default","address":"10.0.0.9"}]}"#, .internalServerError),
                ("/v1/nodes", #"{"name":7}"#, .badRequest),
                ("/v1/nodes", #"{"name":"ok","net_interfaces":[{"name":"default","address":"999.1.1.1"}]}"#, .internalServerError),
                ("/v1/resource-definitions", #"{"resource_definition":{"name":"1bad"}}"#, .internalServerError),
                ("/v1/nodes/alpha/storage-pools", #"{"storage_pool_name":"px0","provider_kind":"TAPE"}"#, .internalServerError),
                ("/v1/nodes/zulu/storage-pools", #"{"storage_pool_name":"px0","provider_kind":"FILE","props":{"StorDriver/StorPoolName":"/x"}}"#, .notFound),
            ]
            for (uri, body, status) in cases {
                let r = try await Self.call(c, .post, uri, body)
                #expect(r.status == status, "\(uri) \(body): \(r.messages)")
                #expect(!r.rcs.isEmpty && r.retCodes.allSatisfy { $0 < 0 }, "errors are ApiCallRc arrays with the error mask: \(r.json)")
            }
            let huge = "{\"name\":\"" + String(repeating: "a", count: 2 << 20) + "\"}"
            #expect(try await Self.call(c, .post, "/v1/nodes", huge).status != .created)
            let (state, _) = await h.controller.snapshot()
            #expect(state.nodes.count == 1)
            #expect(state.resourceDefinitions.isEmpty)
        }
    }

    @Test func multiNodeCreateIsAllOrNothing() async throws {
        let h = try await Self.harness()
        try await h.app.test(.router) { c in
            try await Self.setUpCluster(c, nodes: ["alpha"])
            _ = try await Self.call(c, .post, "/v1/resource-definitions", #"{"resource_definition":{"name":"web"}}"#)
            _ = try await Self.call(c, .post, "/v1/resource-definitions/web/volume-definitions", #"{"volume_definition":{"size_kib":1048576}}"#)
            let r = try await Self.call(c, .post, "/v1/resource-definitions/web/resources",
                                        #"[{"resource":{"node_name":"alpha","props":{"StorPoolName":"pool0"}}},{"resource":{"node_name":"zulu"}}]"#)
            #expect(r.status == .notFound)
            let view = try await Self.call(c, .get, "/v1/view/resources")
            #expect((view.json as? [Any])?.isEmpty == true, "the first resource was rolled back")
        }
    }

    @Test func autoplaceViewAndPersistence() async throws {
        let h = try await Self.harness()
        try await h.app.test(.router) { c in
            try await Self.setUpCluster(c)
            try await Self.settle(h)
            #expect(try await Self.call(c, .post, "/v1/resource-definitions", #"{"resource_definition":{"name":"backups"}}"#).retCodes == [20447233])
            #expect(try await Self.call(c, .post, "/v1/resource-definitions/backups/volume-definitions", #"{"volume_definition":{"size_kib":41943040,"flags":[]}}"#).retCodes == [19922945])
            let ap = try await Self.call(c, .post, "/v1/resource-definitions/backups/autoplace", #"{"diskless_on_remaining":null,"select_filter":{"place_count":2,"storage_pool_list":["pool0"]}}"#)
            #expect(ap.status == .created, "\(ap.messages)")
            #expect(!ap.rcs.contains { ($0["ret_code"] as? NSNumber).map { UInt64(bitPattern: $0.int64Value) & 0xC000_0000_0000_0000 != 0 } ?? true }, "no warnings: fake satellites applied at once: \(ap.messages)")
            let view = try await Self.call(c, .get, "/v1/view/resources")
            let rs = view.json as? [[String: Any]] ?? []
            #expect(rs.count == 2)
            let vol = (rs.first?["volumes"] as? [[String: Any]])?.first
            #expect((vol?["state"] as? [String: Any])?["disk_state"] as? String == "UpToDate")
            #expect(((vol?["layer_data_list"] as? [[String: Any]])?.first?["type"]) as? String == "DRBD")
            #expect((rs.first?["layer_object"] as? [String: Any])?["type"] as? String == "DRBD")
            // Changes through the API show up in the very next (cached) view: a resource
            // property, a volume size, a satellite going away.
            let alpha = try #require(rs.first?["node_name"] as? String)
            #expect(try await Self.call(c, .put, "/v1/resource-definitions/backups/resources/\(alpha)", #"{"override_props":{"Aux/seen":"yes"}}"#).status == .ok)
            #expect(try await Self.call(c, .put, "/v1/resource-definitions/backups/volume-definitions/0", #"{"size_kib":52428800}"#).status == .ok)
            let changed = (try await Self.call(c, .get, "/v1/view/resources")).json as? [[String: Any]] ?? []
            let mine = changed.first { $0["node_name"] as? String == alpha }
            #expect((mine?["props"] as? [String: Any])?["Aux/seen"] as? String == "yes")
            let storage = ((mine?["layer_object"] as? [String: Any])?["children"] as? [[String: Any]])?.first?["storage"] as? [String: Any]
            #expect(((storage?["storage_volumes"] as? [[String: Any]])?.first?["usable_size_kib"] as? NSNumber)?.intValue == 52428800)
            h.fake.setReachable(alpha, false)
            for _ in 0..<200 where (await h.controller.snapshot()).runtimes[alpha.uppercased()]?.isOnline == true { try await Task.sleep(for: .milliseconds(10)) }
            let offline = (try await Self.call(c, .get, "/v1/view/resources")).json as? [[String: Any]] ?? []
            #expect(((offline.first { $0["node_name"] as? String == alpha })?["state"] as? [String: Any])?["in_use"] is NSNull, "an offline node's state is unknown")
            h.fake.setReachable(alpha, true)
            let rd = try await Self.call(c, .get, "/v1/resource-definitions?with_volume_definitions=true")
            let vd = ((rd.json as? [[String: Any]])?.first?["volume_definitions"] as? [[String: Any]])?.first
            let minor = ((vd?["layer_data"] as? [[String: Any]])?.first?["data"] as? [String: Any])?["minor_number"] as? NSNumber
            #expect(minor?.intValue == 1000)
            let again = try await Self.call(c, .post, "/v1/resource-definitions/backups/autoplace", #"{"select_filter":{"place_count":3,"storage_pool_list":["pool0"]}}"#)
            #expect(again.status == .created)
            let big = try await Self.call(c, .post, "/v1/resource-groups/DfltRscGrp/spawn", #"{"resource_definition_name":"huge","volume_sizes":[1073741824],"select_filter":{"place_count":2}}"#)
            #expect(big.status == .internalServerError)
            #expect(big.messages.contains("nodes have a FILE_THIN pool with 1 TiB free") || big.messages.contains("has a FILE_THIN pool with 1 TiB free"), "\(big.messages)")
        }
        await h.controller.stop()
        // A new controller on the same database sees the same cluster.
        let h2 = try await Self.harness(dir: h.dir)
        let (state, _) = await h2.controller.snapshot()
        #expect(state.nodes.count == 3)
        #expect(state.resources(of: "backups").count == 3)
        #expect(state.resourceDefinition("backups")?.volumeDefinitions.first?.minor == 1000)
        #expect(state.resourceDefinition("huge") == nil, "the failed spawn left nothing behind")
        await h2.controller.stop()
    }

    @Test func offlineNodeGetsChangesWhenItReturnsAndCreateWarns() async throws {
        let h = try await Self.harness(applyWait: .milliseconds(100))
        try await h.app.test(.router) { c in
            try await Self.setUpCluster(c, nodes: ["alpha", "bravo"])
            try await Self.settle(h)
            h.fake.setReachable("bravo", false)
            try await Task.sleep(for: .milliseconds(20))
            let nodes = try await Self.call(c, .get, "/v1/nodes").json as? [[String: Any]] ?? []
            #expect(nodes.first { $0["name"] as? String == "bravo" }?["connection_status"] as? String == "OFFLINE")
            _ = try await Self.call(c, .post, "/v1/resource-definitions", #"{"resource_definition":{"name":"web"}}"#)
            _ = try await Self.call(c, .post, "/v1/resource-definitions/web/volume-definitions", #"{"volume_definition":{"size_kib":1024}}"#)
            let r = try await Self.call(c, .post, "/v1/resource-definitions/web/resources",
                                        #"[{"resource":{"node_name":"alpha","props":{"StorPoolName":"pool0"}}},{"resource":{"node_name":"bravo","props":{"StorPoolName":"pool0"}}}]"#)
            #expect(r.status == .created)
            #expect(r.messages.contains("Node 'bravo': change not applied yet"), "\(r.messages)")
            h.fake.setReachable("bravo", true)
            try await Self.settle(h)
            #expect(h.fake.lastDesired("bravo")?.resources.map(\.name) == ["web"])
            h.fake.setApplying("alpha", false)
            let d = try await Self.call(c, .delete, "/v1/resource-definitions/web/resources/alpha")
            #expect(d.status == .ok)
            _ = try await Self.call(c, .post, "/v1/resource-definitions/web/resources", #"[{"resource":{"node_name":"alpha","props":{"StorPoolName":"pool0"}}}]"#)
            let slow = try await Self.call(c, .post, "/v1/resource-definitions", #"{"resource_definition":{"name":"web2"}}"#)
            #expect(slow.status == .created)
            h.fake.setIncompatibleVersion("alpha", version: "99")
            try await Task.sleep(for: .milliseconds(20))
            let n2 = try await Self.call(c, .get, "/v1/nodes/alpha").json as? [String: Any]
            #expect(n2?["connection_status"] as? String == "VERSION_MISMATCH")
        }
        await h.controller.stop()
    }
}
