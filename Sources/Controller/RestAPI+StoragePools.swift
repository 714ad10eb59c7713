import ControllerCore
import Hummingbird
import TandemModel

extension RestAPI {
    func addStoragePoolRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v1/view/storage-pools") { req, _ in
            let (state, runtimes) = await controller.snapshot()
            return Rest.json(Self.storagePools(state, runtimes, nodes: Rest.nameFilter(req, "nodes"), pools: Rest.nameFilter(req, "storage_pools")))
        }
        router.get("/v1/nodes/{node}/storage-pools") { req, c in
            let name = c.parameters.name("node")
            let (state, runtimes) = await controller.snapshot()
            guard state.node(name) != nil else { return Rest.rcs(ClusterState.nodeNotFoundError(name), success: .ok) }
            return Rest.json(Self.storagePools(state, runtimes, nodes: [Naming.key(name)], pools: Rest.nameFilter(req, "storage_pools")))
        }
        router.get("/v1/nodes/{node}/storage-pools/{pool}") { _, c in
            let name = c.parameters.name("node"), pool = c.parameters.name("pool")
            let (state, runtimes) = await controller.snapshot()
            guard state.node(name) != nil else { return Rest.rcs(ClusterState.nodeNotFoundError(name), success: .ok) }
            guard let p = state.storagePool(node: name, pool: pool) else { return Rest.rcs(ClusterState.poolNotFound(name, pool, .none).rcs, success: .ok) }
            var w = JSONWriter()
            Views.storagePool(p, runtimes[Naming.key(name)], &w)
            return Rest.json(w.bytes)
        }
        router.post("/v1/nodes/{node}/storage-pools") { req, c in
            let node = c.parameters.name("node")
            return await mutation(req, success: .created) { bytes, state, ctx, _ throws(ApiError) in
                let b = try RequestBody.object(bytes)
                let kindText = try b.requiredString("provider_kind")
                guard let kind = StorageProviderKind(rawValue: kindText.uppercased()) else {
                    throw ApiError.make(.create, .storagePool, .invalidProvider, "Unknown storage provider '\(kindText)'.",
                                        details: "Tandem provides: \(StorageProviderKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return try state.createStoragePool(StoragePoolCreate(nodeName: node, name: try b.requiredString("storage_pool_name"), provider: kind,
                                                                     props: try b.stringMap("props") ?? [:], freeSpaceManagerName: try b.string("free_space_mgr_name"),
                                                                     externalLocking: try b.bool("external_locking") ?? false), ctx: ctx)
            }
        }
        router.put("/v1/nodes/{node}/storage-pools/{pool}") { req, c in
            let node = c.parameters.name("node"), pool = c.parameters.name("pool")
            return await mutation(req, success: .ok) { bytes, state, _, _ throws(ApiError) in
                try state.modifyStoragePool(node: node, pool: pool, props: try RequestBody.object(bytes).propsChange())
            }
        }
        router.delete("/v1/nodes/{node}/storage-pools/{pool}") { req, c in
            let node = c.parameters.name("node"), pool = c.parameters.name("pool")
            return await mutation(req, success: .ok) { _, state, _, _ throws(ApiError) in try state.deleteStoragePool(node: node, pool: pool) }
        }
    }

    static func storagePools(_ state: ClusterState, _ runtimes: [String: NodeRuntime], nodes: Set<String>?, pools: Set<String>?) -> [UInt8] {
        var w = JSONWriter()
        w.beginArray()
        for nodeKey in state.storagePools.keys.sorted() {
            if let nodes, !nodes.contains(nodeKey) { continue }
            for (poolKey, p) in state.storagePools[nodeKey]!.sorted(by: { $0.key < $1.key }) {
                if let pools, !pools.contains(poolKey) { continue }
                Views.storagePool(p, runtimes[nodeKey], &w)
            }
        }
        w.endArray()
        return w.bytes
    }
}
