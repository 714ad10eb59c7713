import TandemModel

/// One storage pool as placement sees it: a snapshot of what the controller knows.
public struct PlacementPool: Sendable, Equatable {
    public var name: String
    public var provider: StorageProviderKind
    /// Free and total space as last reported by the satellite; nil when not (yet) known.
    public var freeKiB: UInt64?
    public var totalKiB: UInt64?
    /// Volumes already in the pool (a tie-breaker: fewer is better).
    public var resourceCount: Int

    public init(name: String, provider: StorageProviderKind, freeKiB: UInt64?, totalKiB: UInt64?, resourceCount: Int = 0) {
        self.name = name; self.provider = provider; self.freeKiB = freeKiB; self.totalKiB = totalKiB; self.resourceCount = resourceCount
    }
}

/// One node as placement sees it.
public struct PlacementNode: Sendable, Equatable {
    public var name: String
    public var online: Bool
    public var props: [String: String]
    public var pools: [PlacementPool]
    /// Set by the caller when the node must not be used, with the reason to show
    /// (e.g. "already holds resource 'web'", "holds 'db' (do-not-place-with)").
    public var excludedBecause: String?

    public init(name: String, online: Bool, props: [String: String] = [:], pools: [PlacementPool], excludedBecause: String? = nil) {
        self.name = name; self.online = online; self.props = props; self.pools = pools; self.excludedBecause = excludedBecause
    }
}

/// What to place. Property keys are full keys as stored on nodes (e.g. "Aux/site").
public struct PlacementRequest: Sendable, Equatable {
    /// Diskful replicas to add.
    public var count: Int
    /// Room each replica needs in its pool (the sum of the resource's volume sizes).
    public var sizeKiB: UInt64
    /// Allowed pool names (case-insensitive); nil or empty: any diskful pool.
    public var storagePools: [String]?
    /// Allowed providers; nil or empty: any diskful provider.
    public var providers: [StorageProviderKind]?
    /// Allowed nodes (case-insensitive); nil or empty: every node.
    public var nodeNames: [String]?
    /// "KEY" (all replicas share whatever value) or "KEY=VALUE" (all must have that value).
    public var replicasOnSame: [String]
    /// Every replica on a different value of KEY; a node without KEY counts as its own value.
    public var replicasOnDifferent: [String]
    /// At most N replicas per value of KEY.
    public var xReplicasOnDifferent: [String: Int]
    /// Nodes that already hold a diskful replica: they fix replicas-on-same values and count
    /// towards replicas-on-different limits (they are not candidates themselves).
    public var existingReplicaNodes: [PlacementNode]

    public init(count: Int, sizeKiB: UInt64, storagePools: [String]? = nil, providers: [StorageProviderKind]? = nil,
                nodeNames: [String]? = nil, replicasOnSame: [String] = [], replicasOnDifferent: [String] = [],
                xReplicasOnDifferent: [String: Int] = [:], existingReplicaNodes: [PlacementNode] = []) {
        self.count = count; self.sizeKiB = sizeKiB; self.storagePools = storagePools; self.providers = providers
        self.nodeNames = nodeNames; self.replicasOnSame = replicasOnSame; self.replicasOnDifferent = replicasOnDifferent
        self.xReplicasOnDifferent = xReplicasOnDifferent; self.existingReplicaNodes = existingReplicaNodes
    }
}

public struct PlacementChoice: Sendable, Equatable, CustomStringConvertible {
    public var node: String
    public var pool: String
    public init(node: String, pool: String) { self.node = node; self.pool = pool }
    public var description: String { "\(node) (\(pool))" }
}

/// Why placement failed: `message` is the one-line summary, `details` names each node's reason.
public struct PlacementFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var details: [String]
    public init(message: String, details: [String]) { self.message = message; self.details = details }
    public var description: String { details.isEmpty ? message : message + " (" + details.joined(separator: "; ") + ")" }
}
