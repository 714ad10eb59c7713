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
            await createStoragePool(req, node: c.parameters.name("node"))
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

    /// Creates the pool and waits (bounded) for the node's satellite to try it. When the
    /// satellite cannot use it (no device-mapper for LVM, no zfs, a missing volume group or
    /// folder) the creation is undone and the satellite's reason returned, as LINSTOR does
    /// ("Registration of storage pool … failed"); an offline node gets the pool with a warning
    /// and reports its state in `storage-pool list` once it connects.
    func createStoragePool(_ request: Request, node: String) async -> Response {
        let bytes: [UInt8]
        do { bytes = try await Rest.body(request) } catch { return Rest.rcs(error.rcs, success: .created) }
        let outcome = await controller.mutate { (state, ctx, _) throws(ApiError) -> [ApiCallRc] in
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
        guard !outcome.failed, !outcome.generations.isEmpty,
              let pool = (try? RequestBody.object(bytes).string("storage_pool_name")) ?? nil else {
            return Rest.rcs(outcome.rcs, success: .created)
        }
        let pending = await controller.awaitApplied(outcome.generations)
        let (state, runtimes) = await controller.snapshot()
        let nodeName = state.node(node)?.name ?? node
        guard let problem = runtimes[Naming.key(node)]?.actualPools[Naming.key(pool)]?.error else {
            return Rest.rcs(outcome.rcs + pending, success: .created)
        }
        _ = await controller.mutate { (state, _, _) throws(ApiError) -> [ApiCallRc] in try state.deleteStoragePool(node: node, pool: pool) }
        return Rest.rcs([
            .error(.create, .storagePool, .invalidStorageDriver, "(\(nodeName)) \(problem)", objRefs: ["Node": nodeName, "StorPool": pool]),
            .error(.create, .storagePool, .invalidStorageDriver, "Registration of storage pool '\(pool)' on node '\(nodeName)' failed; nothing was created.",
                   correction: "Fix the cause on the node, or use a provider this node supports, and create the storage pool again.",
                   objRefs: ["Node": nodeName, "StorPool": pool]),
        ], success: .created)
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
