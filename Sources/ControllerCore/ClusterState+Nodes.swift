import TandemModel

extension ClusterState {
    public mutating func createNode(_ req: NodeCreate, ctx: OperationContext) throws(ApiError) -> [ApiCallRc] {
        if let why = Naming.nodeNameProblem(req.name) {
            throw .make(.create, .node, .invalidNodeName, "The node name '\(req.name)' is invalid: \(why).")
        }
        if let existing = node(req.name) {
            throw .make(.create, .node, .existsNode, "A node with the name '\(existing.name)' already exists.",
                        correction: "Choose another name, or delete the existing node first.")
        }
        guard !req.netInterfaces.isEmpty else {
            throw .make(.create, .node, .invalidNetAddress, "Node '\(req.name)' needs at least one network interface with an address.")
        }
        var seen: Set<String> = []
        var interfaces: [NetInterface] = []
        for var nif in req.netInterfaces {
            if let why = Naming.netInterfaceNameProblem(nif.name) {
                throw .make(.create, .netInterface, .invalidNetName, "The network interface name '\(nif.name)' is invalid: \(why).")
            }
            guard seen.insert(Naming.key(nif.name)).inserted else {
                throw .make(.create, .netInterface, .invalidNetName, "The network interface name '\(nif.name)' is given twice.")
            }
            if let why = Validate.addressProblem(nif.address) {
                throw .make(.create, .netInterface, .invalidNetAddress, "The address '\(nif.address)' of interface '\(nif.name)' is invalid: \(why).")
            }
            if let port = nif.satellitePort, !(1...65535).contains(port) {
                throw .make(.create, .netInterface, .invalidNetPort, "The satellite port \(port) is out of range (1–65535).")
            }
            if nif.satellitePort != nil || nif.isActive {
                if nif.encryption == nil { nif.encryption = .plain }
                if nif.satellitePort == nil { nif.satellitePort = nif.encryption == .ssl ? ClusterDefaults.satellitePortSSL : ClusterDefaults.satellitePortPlain }
            }
            nif.uuid = ctx.makeUUID()
            interfaces.append(nif)
        }
        if !interfaces.contains(where: \.isActive), req.type.runsSatellite {
            interfaces[0].isActive = true
            if interfaces[0].satellitePort == nil { interfaces[0].satellitePort = ClusterDefaults.satellitePortPlain }
            if interfaces[0].encryption == nil { interfaces[0].encryption = .plain }
        }
        try Validate.props(req.props, .create, .node)
        var props = req.props
        if let active = interfaces.first(where: \.isActive) { props["CurStltConnName"] = active.name }
        let node = NodeRecord(name: req.name, type: req.type, netInterfaces: interfaces, props: props, uuid: ctx.makeUUID())
        record(.upsertNode(node))
        var rcs = [ApiCallRc.success(.create, .node, .created, "New node '\(req.name)' registered.",
                                     details: "Node '\(req.name)' UUID is: \(node.uuid)", objRefs: ["Node": req.name])]
        if req.type.allowedProviders.contains(.diskless) {
            let pool = StoragePoolRecord(nodeName: req.name, name: ClusterDefaults.disklessPool, provider: .diskless, props: [:],
                                         freeSpaceManagerName: "\(req.name);\(ClusterDefaults.disklessPool)", externalLocking: false, uuid: ctx.makeUUID())
            record(.upsertStoragePool(pool))
            rcs.append(.success(.create, .storagePool, .created, "Storage pool '\(ClusterDefaults.disklessPool)' on node '\(req.name)' created.",
                                objRefs: ["Node": req.name, "StorPool": ClusterDefaults.disklessPool]))
        }
        return rcs
    }

    public mutating func modifyNode(_ name: String, type: NodeType?, props change: PropsChange) throws(ApiError) -> [ApiCallRc] {
        guard var n = node(name) else { throw Self.nodeNotFound(name, .modify) }
        try Validate.propsChange(change, .node)
        if let type, type != n.type {
            let pools = storagePools[Naming.key(name)]?.values.map(\.provider) ?? []
            if let bad = pools.first(where: { !type.allowedProviders.contains($0) }) {
                throw .make(.modify, .node, .invalidNodeType, "Node '\(n.name)' cannot become \(type.rawValue): it has a \(bad.rawValue) storage pool, which that type does not allow.")
            }
            n.type = type
        }
        n.props = change.applied(to: n.props)
        record(.upsertNode(n))
        return [.success(.modify, .node, .modified, "Node '\(n.name)' modified.", objRefs: ["Node": n.name])]
    }

    public mutating func deleteNode(_ name: String) throws(ApiError) -> [ApiCallRc] {
        guard let n = node(name) else { throw Self.nodeNotFound(name, .delete) }
        let held = (resourcesOnNode[Naming.key(name)] ?? []).compactMap { resourceDefinitions[$0]?.name }.sorted()
        if !held.isEmpty {
            let list = held.prefix(10).map { "'\($0)'" }.joined(separator: ", ") + (held.count > 10 ? " and \(held.count - 10) more" : "")
            throw .make(.delete, .node, .inUse, "Node '\(n.name)' still holds \(held.count) resource\(held.count == 1 ? "" : "s"): \(list).",
                        correction: "Delete those resources from the node first (resource delete \(n.name) RESOURCE).")
        }
        for pool in (storagePools[Naming.key(name)] ?? [:]).values.sorted(by: { $0.name < $1.name }) {
            record(.deleteStoragePool(node: n.name, pool: pool.name))
        }
        record(.deleteNode(n.name))
        return [.success(.delete, .node, .deleted, "Node '\(n.name)' deleted.", details: "Node '\(n.name)' UUID was: \(n.uuid)", objRefs: ["Node": n.name])]
    }

    public mutating func setControllerProps(_ change: PropsChange) throws(ApiError) -> [ApiCallRc] {
        try Validate.propsChange(change, .controllerConfig)
        record(.setControllerProps(change.applied(to: controllerProps)))
        return [.success(.modify, .controllerConfig, .modified, "Successfully updated controller config")]
    }

    public static func nodeNotFound(_ name: String, _ op: RcOperation) -> ApiError {
        .make(op, .node, .notFoundNode, "Node '\(name)' not found.", correction: "Check the name with 'node list'.")
    }
}
