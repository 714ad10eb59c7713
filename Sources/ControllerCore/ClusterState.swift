import HashTreeCollections
import TandemModel

/// One persisted change. Operations record what they change as a list of these; the store
/// writes the list in one transaction, and only then does the controller adopt the new state.
public enum StoreChange: Sendable, Equatable {
    case upsertNode(NodeRecord)
    case deleteNode(String)
    case upsertStoragePool(StoragePoolRecord)
    case deleteStoragePool(node: String, pool: String)
    case upsertResourceGroup(ResourceGroupRecord)
    case deleteResourceGroup(String)
    /// The definition with all its volume definitions.
    case upsertResourceDefinition(ResourceDefinitionRecord)
    case deleteResourceDefinition(String)
    case upsertResource(ResourceRecord)
    case deleteResource(resource: String, node: String)
    case setControllerProps(Props)
}

/// The whole cluster configuration, in memory. A value: an operation works on a copy and the
/// copy replaces the original only once the store has committed the journal, so a failed
/// request changes nothing. The tables that grow with the cluster (definitions, resources) are
/// persistent hash trees: changing a copy copies only the path to the changed entry, so a
/// request costs the same with 10 or 10,000 resource definitions.
public struct ClusterState: Sendable {
    public private(set) var controllerProps: Props = [:]
    /// Keyed by `Naming.key` of the name, here and below.
    public private(set) var nodes: [String: NodeRecord] = [:]
    /// node key → pool key → pool
    public private(set) var storagePools: [String: [String: StoragePoolRecord]] = [:]
    public private(set) var resourceGroups: [String: ResourceGroupRecord] = [:]
    public private(set) var resourceDefinitions: TreeDictionary<String, ResourceDefinitionRecord> = [:]
    /// resource-definition key → node key → resource
    public private(set) var resources: TreeDictionary<String, [String: ResourceRecord]> = [:]
    /// node key → resource-definition keys placed there
    public private(set) var resourcesOnNode: [String: Set<String>] = [:]
    /// node key → pool key → resources using the pool (placement's tie-breaker).
    public private(set) var poolResourceCount: [String: [String: Int]] = [:]
    /// Cluster-wide DRBD-style minor numbers (one per volume definition).
    public private(set) var minors = NumberPool(range: ClusterDefaults.minorRange)
    /// Replication TCP ports, per node (each resource on a node has its own port there).
    public private(set) var tcpPorts: [String: NumberPool] = [:]

    /// Changes since the last `takeJournal()`.
    public private(set) var journal: [StoreChange] = []
    /// Nodes whose desired state the journaled changes affect.
    public private(set) var touchedNodes: Set<String> = []

    public init() {}

    // MARK: lookups

    public func node(_ name: String) -> NodeRecord? { nodes[Naming.key(name)] }
    public func storagePool(node: String, pool: String) -> StoragePoolRecord? { storagePools[Naming.key(node)]?[Naming.key(pool)] }
    public func resourceGroup(_ name: String) -> ResourceGroupRecord? { resourceGroups[Naming.key(name)] }
    public func resourceDefinition(_ name: String) -> ResourceDefinitionRecord? { resourceDefinitions[Naming.key(name)] }
    public func resource(_ rd: String, node: String) -> ResourceRecord? { resources[Naming.key(rd)]?[Naming.key(node)] }
    public func resources(of rd: String) -> [ResourceRecord] {
        (resources[Naming.key(rd)] ?? [:]).values.sorted { $0.nodeName < $1.nodeName }
    }
    public func resourceCount(onNode node: String) -> Int { resourcesOnNode[Naming.key(node)]?.count ?? 0 }

    // MARK: changes

    /// Applies a change and records it for the store.
    public mutating func record(_ change: StoreChange) {
        apply(change)
        journal.append(change)
    }

    /// Hands over the journal (to be written) and the affected nodes; both are cleared.
    public mutating func takeJournal() -> (changes: [StoreChange], touchedNodes: Set<String>) {
        defer { journal = []; touchedNodes = [] }
        return (journal, touchedNodes)
    }

    /// Applies a change without journaling it (loading from the database).
    public mutating func apply(_ change: StoreChange) {
        switch change {
        case .upsertNode(let n):
            let key = Naming.key(n.name)
            let addressChanged = nodes[key]?.activeInterface?.address != n.activeInterface?.address
            nodes[key] = n
            if tcpPorts[key] == nil { tcpPorts[key] = NumberPool(range: ClusterDefaults.tcpPortRange) }
            touchedNodes.insert(key)
            if addressChanged { touchPeers(ofNode: key) }
        case .deleteNode(let name):
            let key = Naming.key(name)
            nodes[key] = nil; storagePools[key] = nil; tcpPorts[key] = nil
            poolResourceCount[key] = nil; resourcesOnNode[key] = nil
            touchedNodes.insert(key)
        case .upsertStoragePool(let p):
            storagePools[Naming.key(p.nodeName), default: [:]][Naming.key(p.name)] = p
            touchedNodes.insert(Naming.key(p.nodeName))
        case .deleteStoragePool(let node, let pool):
            storagePools[Naming.key(node)]?[Naming.key(pool)] = nil
            touchedNodes.insert(Naming.key(node))
        case .upsertResourceGroup(let g):
            resourceGroups[Naming.key(g.name)] = g
        case .deleteResourceGroup(let name):
            resourceGroups[Naming.key(name)] = nil
        case .upsertResourceDefinition(let rd):
            let key = Naming.key(rd.name)
            if let old = resourceDefinitions[key] { for vd in old.volumeDefinitions { minors.release(vd.minor) } }
            for vd in rd.volumeDefinitions { minors.take(vd.minor) }
            resourceDefinitions[key] = rd
            touchResourceNodes(key)
        case .deleteResourceDefinition(let name):
            let key = Naming.key(name)
            if let old = resourceDefinitions[key] { for vd in old.volumeDefinitions { minors.release(vd.minor) } }
            touchResourceNodes(key)
            resourceDefinitions[key] = nil
        case .upsertResource(let r):
            let rdKey = Naming.key(r.resourceName), nodeKey = Naming.key(r.nodeName)
            if let old = resources[rdKey]?[nodeKey] { forget(old, rdKey: rdKey, nodeKey: nodeKey) }
            resources[rdKey, default: [:]][nodeKey] = r
            resourcesOnNode[nodeKey, default: []].insert(rdKey)
            tcpPorts[nodeKey, default: NumberPool(range: ClusterDefaults.tcpPortRange)].take(r.tcpPort)
            poolResourceCount[nodeKey, default: [:]][Naming.key(r.storagePoolName), default: 0] += 1
            touchResourceNodes(rdKey)
        case .deleteResource(let rd, let node):
            let rdKey = Naming.key(rd), nodeKey = Naming.key(node)
            touchResourceNodes(rdKey)
            if let old = resources[rdKey]?[nodeKey] { forget(old, rdKey: rdKey, nodeKey: nodeKey) }
            resources[rdKey]?[nodeKey] = nil
            if resources[rdKey]?.isEmpty == true { resources[rdKey] = nil }
        case .setControllerProps(let props):
            controllerProps = props
        }
    }

    private mutating func forget(_ r: ResourceRecord, rdKey: String, nodeKey: String) {
        tcpPorts[nodeKey]?.release(r.tcpPort)
        resourcesOnNode[nodeKey]?.remove(rdKey)
        let poolKey = Naming.key(r.storagePoolName)
        if let c = poolResourceCount[nodeKey]?[poolKey] { poolResourceCount[nodeKey]?[poolKey] = c > 1 ? c - 1 : nil }
    }

    private mutating func touchResourceNodes(_ rdKey: String) {
        if let placed = resources[rdKey] { touchedNodes.formUnion(placed.keys) }
    }

    private mutating func touchPeers(ofNode key: String) {
        for rdKey in resourcesOnNode[key] ?? [] { touchResourceNodes(rdKey) }
    }
}
