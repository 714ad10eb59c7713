import TandemModel

extension ClusterState {
    /// `node lost NAME`: the node is gone for good (its disks are lost with it). Removes the
    /// node, its storage pools and every resource it held from the cluster, without asking its
    /// satellite; the remaining replicas drop it as a peer with their next desired state.
    /// Refused while the node is connected: then `node delete` is the way (LINSTOR does the same).
    public mutating func loseNode(_ name: String, live: [String: NodeLiveView]) throws(ApiError) -> [ApiCallRc] {
        guard let n = node(name) else { throw Self.nodeNotFound(name, .delete) }
        let key = Naming.key(n.name)
        if live[key]?.online == true {
            throw .make(.delete, .node, .inUse, "Node '\(n.name)' is still connected; 'node lost' is only for nodes that are gone for good.",
                        correction: "Use 'node delete \(n.name)' after deleting its resources, or stop its satellite first.")
        }
        var rcs: [ApiCallRc] = []
        for rdKey in (resourcesOnNode[key] ?? []).sorted() {
            guard let r = resources[rdKey]?[key] else { continue }
            record(.deleteResource(resource: r.resourceName, node: n.name))
            rcs.append(.success(.delete, .resource, .deleted, "Resource '\(r.resourceName)' on lost node '\(n.name)' removed.",
                                details: "Resource '\(r.resourceName)' on node '\(n.name)' UUID was: \(r.uuid)",
                                objRefs: ["RscDfn": r.resourceName, "Node": n.name]))
        }
        for pool in (storagePools[key] ?? [:]).values.sorted(by: { $0.name < $1.name }) {
            record(.deleteStoragePool(node: n.name, pool: pool.name))
        }
        record(.deleteNode(n.name))
        rcs.append(.success(.delete, .node, .deleted, "Node '\(n.name)' deleted as lost\(rcs.isEmpty ? "" : " with its \(rcs.count) resource\(rcs.count == 1 ? "" : "s")").",
                            details: "Node '\(n.name)' UUID was: \(n.uuid)", objRefs: ["Node": n.name]))
        return rcs
    }
}
