import TandemModel

extension ClusterState {
    public mutating func createStoragePool(_ req: StoragePoolCreate, ctx: OperationContext) throws(ApiError) -> [ApiCallRc] {
        guard let n = node(req.nodeName) else { throw Self.nodeNotFound(req.nodeName, .create) }
        if let why = Naming.storagePoolNameProblem(req.name) {
            throw .make(.create, .storagePool, .invalidStoragePoolName, "The storage pool name '\(req.name)' is invalid: \(why).")
        }
        guard n.type.allowedProviders.contains(req.provider) else {
            throw .make(.create, .storagePool, .invalidProvider,
                        "Node '\(n.name)' is of type \(n.type.rawValue), which cannot have a \(req.provider.rawValue) storage pool.",
                        correction: n.type.allowedProviders.isEmpty ? "Storage pools belong on Satellite or Combined nodes." : "Allowed: \(n.type.allowedProviders.map(\.rawValue).sorted().joined(separator: ", ")).")
        }
        if let existing = storagePool(node: req.nodeName, pool: req.name) {
            throw .make(.create, .storagePool, .existsStoragePool, "A storage pool with the name '\(existing.name)' already exists on node '\(n.name)'.")
        }
        try Validate.props(req.props, .create, .storagePool)
        let driverPool = req.props["StorDriver/StorPoolName"] ?? ""
        if req.provider != .diskless, driverPool.isEmpty {
            throw .make(.create, .storagePool, .invalidProperty,
                        "A \(req.provider.rawValue) storage pool needs the backing pool in property StorDriver/StorPoolName (a directory, volume group or zpool).")
        }
        if req.provider == .file || req.provider == .fileThin, !driverPool.hasPrefix("/") {
            throw .make(.create, .storagePool, .invalidProperty, "A \(req.provider.rawValue) storage pool needs an absolute directory path, not '\(driverPool)'.")
        }
        let pool = StoragePoolRecord(nodeName: n.name, name: req.name, provider: req.provider, props: req.props,
                                     freeSpaceManagerName: req.freeSpaceManagerName ?? "\(n.name);\(req.name)",
                                     externalLocking: req.externalLocking, uuid: ctx.makeUUID())
        record(.upsertStoragePool(pool))
        return [.success(.create, .storagePool, .created, "Storage pool '\(req.name)' on node '\(n.name)' successfully created.",
                         details: "Storage pool '\(req.name)' on node '\(n.name)' UUID is: \(pool.uuid)",
                         objRefs: ["Node": n.name, "StorPool": req.name])]
    }

    public mutating func modifyStoragePool(node nodeName: String, pool poolName: String, props change: PropsChange) throws(ApiError) -> [ApiCallRc] {
        guard node(nodeName) != nil else { throw Self.nodeNotFound(nodeName, .modify) }
        guard var pool = storagePool(node: nodeName, pool: poolName) else { throw Self.poolNotFound(nodeName, poolName, .modify) }
        try Validate.propsChange(change, .storagePool)
        pool.props = change.applied(to: pool.props)
        record(.upsertStoragePool(pool))
        return [.success(.modify, .storagePool, .modified, "Storage pool '\(pool.name)' on node '\(pool.nodeName)' modified.",
                         objRefs: ["Node": pool.nodeName, "StorPool": pool.name])]
    }

    public mutating func deleteStoragePool(node nodeName: String, pool poolName: String) throws(ApiError) -> [ApiCallRc] {
        guard let n = node(nodeName) else { throw Self.nodeNotFound(nodeName, .delete) }
        guard let pool = storagePool(node: nodeName, pool: poolName) else { throw Self.poolNotFound(nodeName, poolName, .delete) }
        let users = (resourcesOnNode[Naming.key(n.name)] ?? []).compactMap { rdKey -> String? in
            guard let r = resources[rdKey]?[Naming.key(n.name)], Naming.key(r.storagePoolName) == Naming.key(pool.name) else { return nil }
            return r.resourceName
        }.sorted()
        if !users.isEmpty {
            throw .make(.delete, .storagePool, .inUse,
                        "Storage pool '\(pool.name)' on node '\(n.name)' is still used by \(users.count) resource\(users.count == 1 ? "" : "s"): \(users.prefix(10).map { "'\($0)'" }.joined(separator: ", ")).",
                        correction: "Delete those resources from the node first.")
        }
        record(.deleteStoragePool(node: n.name, pool: pool.name))
        return [.success(.delete, .storagePool, .deleted, "Storage pool '\(pool.name)' on node '\(n.name)' deleted.",
                         objRefs: ["Node": n.name, "StorPool": pool.name])]
    }

    public static func poolNotFound(_ node: String, _ pool: String, _ op: RcOperation) -> ApiError {
        .make(op, .storagePool, .notFoundStoragePool, "Storage pool '\(pool)' not found on node '\(node)'.",
              correction: "Check the name with 'storage-pool list'.")
    }
}
