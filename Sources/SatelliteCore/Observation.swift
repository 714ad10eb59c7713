/// What the satellite found on its node just before planning. The shell fills it from the
/// storage pools, the engine's resource folder, the engine's status and the ledger.
public struct Observation: Sendable, Equatable {
    /// Pools of the desired state: nil when usable, else why not (with the failing command).
    public var poolProblems: [String: String]
    /// Pools the desired state defines (a volume in any other pool cannot be placed).
    public var definedPools: Set<String>
    /// Backing volumes that exist, with their size in KiB. Only those the planner may ask about
    /// need to be listed: the desired ones and the ledger's.
    public var backingVolumes: [BackingVolumeKey: UInt64]
    /// Resource files in the engine's folder: resource name → file text.
    public var resourceFiles: [String: String]
    /// Resources the engine reports as up.
    public var engineRunning: Set<String>
    public var ledger: OwnershipLedger

    public init(poolProblems: [String: String] = [:], definedPools: Set<String> = [], backingVolumes: [BackingVolumeKey: UInt64] = [:],
                resourceFiles: [String: String] = [:], engineRunning: Set<String> = [], ledger: OwnershipLedger = OwnershipLedger()) {
        self.poolProblems = poolProblems; self.definedPools = definedPools; self.backingVolumes = backingVolumes
        self.resourceFiles = resourceFiles; self.engineRunning = engineRunning; self.ledger = ledger
    }
}

/// What this satellite has created and therefore may change or delete. Anything on the node
/// that is not in here (a hand-written resource file, an LV of the same name) is somebody
/// else's and is never touched. Kept durably in the satellite's state folder.
public struct OwnershipLedger: Codable, Sendable, Equatable {
    public var resources: Set<String>
    /// Backing volumes and the resource each belongs to.
    public var volumes: [BackingVolumeKey: String]
    /// Resources whose file was rewritten but whose engine has not yet confirmed the adjust;
    /// kept across restarts so a change is never left half-applied.
    public var adjustPending: Set<String>

    /// Resources created by this satellite that have not yet been UpToDate here: candidates
    /// for the initial sync (`InitialSync`). Never set for adopted resources.
    public var initialSyncPending: Set<String>

    public init(resources: Set<String> = [], volumes: [BackingVolumeKey: String] = [:], adjustPending: Set<String> = [],
                initialSyncPending: Set<String> = []) {
        self.resources = resources; self.volumes = volumes; self.adjustPending = adjustPending
        self.initialSyncPending = initialSyncPending
    }

    private enum CodingKeys: String, CodingKey { case resources, volumes, adjustPending, initialSyncPending }

    /// Fields added later default to empty, so a ledger written by an older satellite loads.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        resources = try c.decode(Set<String>.self, forKey: .resources)
        volumes = try c.decode([BackingVolumeKey: String].self, forKey: .volumes)
        adjustPending = try c.decodeIfPresent(Set<String>.self, forKey: .adjustPending) ?? []
        initialSyncPending = try c.decodeIfPresent(Set<String>.self, forKey: .initialSyncPending) ?? []
    }

    public func volumes(of resource: String) -> [BackingVolumeKey] {
        volumes.filter { $0.value == resource }.map(\.key).sorted()
    }
}
