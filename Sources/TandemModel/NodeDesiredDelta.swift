/// A change to one node's desired state, relative to the generation the satellite already holds.
/// Once a session has delivered the complete state, a controller sends only what changed
/// (to satellites whose hello lists `ClusterFeature.desiredDelta`): at scale a node holds
/// hundreds of resources and a change touches one or two of them. The satellite applies the
/// delta to the state it holds and gets exactly the complete state the controller would have
/// sent; a delta that does not fit what it holds is refused (`DesiredDeltaError`) and the
/// session starts over with a complete state.
public struct NodeDesiredDelta: Codable, Sendable, Equatable {
    /// The generation the delta applies to: the satellite must hold exactly this one.
    public var baseGeneration: UInt64
    /// The generation the node has after applying it.
    public var generation: UInt64
    public var nodeName: String
    /// The complete list of storage pools when it changed; nil when unchanged.
    public var storagePools: [DesiredStoragePool]?
    /// Resources that are new or changed, each complete.
    public var upserts: [DesiredResource]
    /// Names of resources the node no longer has.
    public var removals: [String]

    public init(baseGeneration: UInt64, generation: UInt64, nodeName: String, storagePools: [DesiredStoragePool]?,
                upserts: [DesiredResource], removals: [String]) {
        self.baseGeneration = baseGeneration; self.generation = generation; self.nodeName = nodeName
        self.storagePools = storagePools; self.upserts = upserts; self.removals = removals
    }

    /// What turns `base` into `target`. Unchanged resources are found by comparing values, which
    /// costs little when they share storage with `base` (the controller's cached resources do).
    public init(from base: NodeDesiredState, to target: NodeDesiredState) {
        var baseIndex: [String: Int] = [:]
        baseIndex.reserveCapacity(base.resources.count)
        for (i, r) in base.resources.enumerated() { baseIndex[r.name] = i }
        var upserts: [DesiredResource] = []
        var kept = Set<String>()
        kept.reserveCapacity(target.resources.count)
        for r in target.resources {
            kept.insert(r.name)
            if let i = baseIndex[r.name], base.resources[i] == r { continue }
            upserts.append(r)
        }
        let removals = base.resources.lazy.map(\.name).filter { !kept.contains($0) }
        self.init(baseGeneration: base.generation, generation: target.generation, nodeName: target.nodeName,
                  storagePools: base.storagePools == target.storagePools ? nil : target.storagePools,
                  upserts: upserts, removals: Array(removals))
    }

    /// How many resources the delta carries or removes.
    public var changeCount: Int { upserts.count + removals.count }

    /// The complete state after applying the delta to `base`. Resources keep the controller's
    /// order (by upper-cased name, its lookup key), so the result equals the complete state the
    /// controller would have sent.
    public func applied(to base: NodeDesiredState) throws(DesiredDeltaError) -> NodeDesiredState {
        guard base.generation == baseGeneration else {
            throw .wrongBase(held: base.generation, expected: baseGeneration)
        }
        guard generation > baseGeneration else { throw .notNewer(base: baseGeneration, generation: generation) }
        var index: [String: Int] = [:]
        index.reserveCapacity(base.resources.count)
        for (i, r) in base.resources.enumerated() { index[r.name] = i }
        var resources: [DesiredResource?] = base.resources
        var changed = Set<String>()
        for name in removals {
            guard changed.insert(name).inserted else { throw .duplicate(name) }
            guard let i = index[name] else { throw .unknownRemoval(name) }
            resources[i] = nil
        }
        var added: [DesiredResource] = []
        for r in upserts {
            guard changed.insert(r.name).inserted else { throw .duplicate(r.name) }
            if let i = index[r.name] { resources[i] = r } else { added.append(r) }
        }
        var result = resources.compactMap { $0 }
        if !added.isEmpty {
            result = (result + added).map { (key: $0.name.uppercased(), resource: $0) }.sorted { $0.key < $1.key }.map(\.resource)
        }
        return NodeDesiredState(generation: generation, nodeName: nodeName, storagePools: storagePools ?? base.storagePools, resources: result)
    }
}

/// Why a satellite cannot apply a desired-state delta.
public enum DesiredDeltaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The session has not delivered a complete state to apply it to.
    case noCompleteState(expected: UInt64)
    case wrongBase(held: UInt64, expected: UInt64)
    case notNewer(base: UInt64, generation: UInt64)
    case unknownRemoval(String)
    case duplicate(String)

    public var description: String {
        switch self {
        case .noCompleteState(let expected):
            "the desired-state delta applies to generation \(expected), but this session has not sent a complete desired state yet"
        case .wrongBase(let held, let expected):
            "the desired-state delta applies to generation \(expected), but the satellite holds generation \(held)"
        case .notNewer(let base, let generation):
            "the desired-state delta goes from generation \(base) to \(generation), which is not newer"
        case .unknownRemoval(let name):
            "the desired-state delta removes resource '\(name)', which the satellite does not have"
        case .duplicate(let name):
            "the desired-state delta names resource '\(name)' more than once"
        }
    }
}
