import Placement
import TandemModel

extension ClusterState {
    /// Creates resources on named nodes (`resource create NODE... RSC`), all or nothing.
    public mutating func createResources(_ rdName: String, _ entries: [ResourceCreate], ctx: OperationContext) throws(ApiError) -> [ApiCallRc] {
        guard let rd = resourceDefinition(rdName) else { throw Self.definitionNotFound(rdName, .create) }
        guard !entries.isEmpty else {
            throw .make(.create, .resource, .invalidRequest, "No node given to create resource '\(rd.name)' on.")
        }
        var rcs: [ApiCallRc] = []
        var seen: Set<String> = []
        for e in entries {
            guard seen.insert(Naming.key(e.nodeName)).inserted else {
                throw .make(.create, .resource, .invalidRequest, "Node '\(e.nodeName)' is named twice for resource '\(rd.name)'.")
            }
            rcs.append(try createResource(rd, e, ctx: ctx))
        }
        return rcs
    }

    mutating func createResource(_ rd: ResourceDefinitionRecord, _ e: ResourceCreate, ctx: OperationContext) throws(ApiError) -> ApiCallRc {
        guard let n = node(e.nodeName) else { throw Self.nodeNotFound(e.nodeName, .create) }
        guard n.type.runsSatellite else {
            throw .make(.create, .resource, .invalidNodeType, "Node '\(n.name)' is a \(n.type.rawValue) node and cannot hold resources.")
        }
        if resource(rd.name, node: n.name) != nil {
            throw .make(.create, .resource, .existsResource, "A resource '\(rd.name)' on node '\(n.name)' already exists.",
                        details: "Node(s): '\(n.name)', Resource: '\(rd.name)'")
        }
        try Validate.props(e.props, .create, .resource)
        let flags = try Self.resourceFlags(e.flags)
        let diskless = e.isDiskless
        var props = e.props
        let poolName = props["StorPoolName"] ?? (diskless ? ClusterDefaults.disklessPool : defaultPoolName(for: rd))
        guard let pool = storagePool(node: n.name, pool: poolName) else {
            throw .make(.create, .resource, .notFoundStoragePool, "Storage pool '\(poolName)' not found on node '\(n.name)'.",
                        correction: diskless ? "Create it, or leave --storage-pool out to use \(ClusterDefaults.disklessPool)." : "Name a storage pool of node '\(n.name)' with --storage-pool, or create one.")
        }
        if diskless != (pool.provider == .diskless) {
            throw .make(.create, .resource, .invalidStorageDriver,
                        diskless ? "A diskless resource needs a DISKLESS storage pool, but '\(pool.name)' on '\(n.name)' is \(pool.provider.rawValue)."
                                 : "Storage pool '\(pool.name)' on '\(n.name)' is DISKLESS; a diskful resource needs a pool with storage (or create it with --drbd-diskless).")
        }
        props["StorPoolName"] = pool.name
        let nodeId = try allocateNodeId(rd, wanted: e.nodeId)
        let port = try allocatePort(rd, node: n, wanted: e.tcpPort)
        let r = ResourceRecord(resourceName: rd.name, nodeName: n.name, nodeId: nodeId, tcpPort: port, flags: flags, props: props,
                               createdMillis: ctx.nowMillis, uuid: ctx.makeUUID())
        record(.upsertResource(r))
        return .success(.create, .resource, .created, "Successfully set property key(s): StorPoolName; created resource '\(rd.name)' on '\(n.name)'.",
                        details: "Resource '\(rd.name)' on node '\(n.name)' UUID is: \(r.uuid)", objRefs: ["RscDfn": rd.name, "Node": n.name])
    }

    /// The pool a diskful resource uses when none is named: the definition's, then its group's.
    func defaultPoolName(for rd: ResourceDefinitionRecord) -> String {
        if let p = rd.props["StorPoolName"] { return p }
        if let g = resourceGroup(rd.resourceGroup) {
            if let p = g.props["StorPoolName"] { return p }
            if let list = g.selectFilter.storagePools, list.count == 1 { return list[0] }
        }
        return ClusterDefaults.defaultPool
    }

    static func resourceFlags(_ requested: [String]) throws(ApiError) -> [String] {
        var flags: [String] = []
        for f in requested.map({ $0.uppercased() }) {
            switch f {
            case "DISKLESS", "DRBD_DISKLESS", "NVME_INITIATOR":
                for d in ["DISKLESS", "DRBD_DISKLESS"] where !flags.contains(d) { flags.append(d) }
            case "INACTIVE", "TIE_BREAKER":
                if !flags.contains(f) { flags.append(f) }
            default:
                throw .make(.create, .resource, .invalidRequest, "Unknown resource flag '\(f)' (known: DISKLESS, DRBD_DISKLESS, INACTIVE).")
            }
        }
        return flags
    }

    mutating func allocateNodeId(_ rd: ResourceDefinitionRecord, wanted: Int?) throws(ApiError) -> Int {
        let used = Set(resources(of: rd.name).map(\.nodeId))
        if let wanted {
            guard ClusterDefaults.nodeIdRange.contains(wanted) else {
                throw .make(.create, .resource, .invalidNodeId, "Node id \(wanted) is out of range (0–31).")
            }
            guard !used.contains(wanted) else {
                throw .make(.create, .resource, .invalidNodeId, "Node id \(wanted) is already used by another replica of '\(rd.name)'.")
            }
            return wanted
        }
        guard let id = ClusterDefaults.nodeIdRange.first(where: { !used.contains($0) }) else {
            throw .make(.create, .resource, .poolExhaustedNodeId, "Resource '\(rd.name)' already has 32 replicas; all node ids (0–31) are in use.")
        }
        if used.count >= rd.peerSlots + 1 {
            throw .make(.create, .resource, .poolExhaustedNodeId,
                        "Resource '\(rd.name)' has \(used.count) replicas and \(rd.peerSlots) peer slots; another replica does not fit.",
                        correction: "Raise the peer slots of the resource definition (--peer-slots).")
        }
        return id
    }

    /// Prefers the port the resource's other replicas use, so peers look alike; else the lowest free.
    mutating func allocatePort(_ rd: ResourceDefinitionRecord, node: NodeRecord, wanted: Int?) throws(ApiError) -> Int {
        let pool = tcpPorts[Naming.key(node.name)] ?? NumberPool(range: ClusterDefaults.tcpPortRange)
        if let wanted {
            guard ClusterDefaults.tcpPortRange.contains(wanted) else {
                throw .make(.create, .resource, .invalidTcpPort, "TCP port \(wanted) is out of range (\(ClusterDefaults.tcpPortRange.lowerBound)–\(ClusterDefaults.tcpPortRange.upperBound)).")
            }
            guard !pool.contains(wanted) else {
                throw .make(.create, .resource, .invalidTcpPort, "TCP port \(wanted) is already used on node '\(node.name)'.")
            }
            return wanted
        }
        for peer in resources(of: rd.name) where !pool.contains(peer.tcpPort) { return peer.tcpPort }
        guard let port = pool.peekLowestFree() else {
            throw .make(.create, .resource, .poolExhaustedTcpPort,
                        "All replication ports (\(ClusterDefaults.tcpPortRange.lowerBound)–\(ClusterDefaults.tcpPortRange.upperBound)) on node '\(node.name)' are in use; resource '\(rd.name)' cannot be placed there.",
                        correction: "Delete unused resources on that node, or place the resource elsewhere.")
        }
        return port
    }

    public mutating func modifyResource(_ rdName: String, node nodeName: String, props change: PropsChange) throws(ApiError) -> [ApiCallRc] {
        guard resourceDefinition(rdName) != nil else { throw Self.definitionNotFound(rdName, .modify) }
        guard var r = resource(rdName, node: nodeName) else { throw Self.resourceNotFound(rdName, nodeName, .modify) }
        try Validate.propsChange(change, .resource)
        let newProps = change.applied(to: r.props)
        if newProps["StorPoolName"] != r.props["StorPoolName"] {
            throw .make(.modify, .resource, .invalidProperty, "StorPoolName of a deployed resource cannot be changed; delete and re-create the resource instead.")
        }
        r.props = newProps
        record(.upsertResource(r))
        return [.success(.modify, .resource, .modified, "Resource '\(r.resourceName)' on node '\(r.nodeName)' modified.",
                         objRefs: ["RscDfn": r.resourceName, "Node": r.nodeName])]
    }

    public mutating func deleteResource(_ rdName: String, node nodeName: String) throws(ApiError) -> [ApiCallRc] {
        guard let rd = resourceDefinition(rdName) else { throw Self.definitionNotFound(rdName, .delete) }
        guard node(nodeName) != nil else { throw Self.nodeNotFound(nodeName, .delete) }
        guard let r = resource(rd.name, node: nodeName) else { throw Self.resourceNotFound(rd.name, nodeName, .delete) }
        record(.deleteResource(resource: rd.name, node: r.nodeName))
        return [.success(.delete, .resource, .deleted, "Resource '\(rd.name)' on node '\(r.nodeName)' deleted.",
                         details: "Resource '\(rd.name)' on node '\(r.nodeName)' UUID was: \(r.uuid)", objRefs: ["RscDfn": rd.name, "Node": r.nodeName])]
    }

    public static func resourceNotFound(_ rd: String, _ node: String, _ op: RcOperation) -> ApiError {
        .make(op, .resource, .notFoundResource, "Resource '\(rd)' not found on node '\(node)'.")
    }
}
