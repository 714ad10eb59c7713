import TandemModel

/// Every node's desired resources, kept between pushes. Each change pushes the whole desired
/// state of every node it touches, and at scale a node holds hundreds of resources: rebuilding
/// all of them per push made every request cost O(resources on the node). Here a push rebuilds
/// only the resources the change touched. A change to a resource or its definition drops that
/// definition's entries on every node (its replicas and their peer lists); a change that can
/// alter any entry (a node's addresses, group or controller properties) drops them all.
public struct DesiredStateCache: Sendable {
    /// node key → resource-definition key → the node's desired resource
    private var entries: [String: [String: DesiredResource]] = [:]

    public init() {}

    /// How many resources are cached (tests, logs).
    public var count: Int { entries.values.reduce(0) { $0 + $1.count } }

    public mutating func invalidate(after changes: [StoreChange]) {
        for change in changes {
            switch change {
            case .upsertResourceDefinition(let rd): drop(definition: rd.name)
            case .deleteResourceDefinition(let name): drop(definition: name)
            case .upsertResource(let r): drop(definition: r.resourceName)
            case .deleteResource(let rd, _): drop(definition: rd)
            // Pools are not cached; desired resources name their pool from their own props.
            case .upsertStoragePool, .deleteStoragePool: continue
            case .upsertNode, .deleteNode, .upsertResourceGroup, .deleteResourceGroup, .setControllerProps:
                entries = [:]
            }
        }
    }

    /// The node's desired state from `state`, rebuilding only what is not cached.
    public mutating func desiredState(of state: ClusterState, forNode name: String, generation: UInt64) -> NodeDesiredState? {
        let nodeKey = Naming.key(name)
        var mine = entries.removeValue(forKey: nodeKey) ?? [:]
        defer { entries[nodeKey] = mine }
        return state.desiredState(forNode: name, generation: generation) { rdKey, nodeKey in
            if let cached = mine[rdKey] { return cached }
            let built = state.desiredResource(rdKey, onNode: nodeKey)
            mine[rdKey] = built
            return built
        }
    }

    private mutating func drop(definition name: String) {
        let rdKey = Naming.key(name)
        for nodeKey in Array(entries.keys) { entries[nodeKey]?[rdKey] = nil }
    }
}
