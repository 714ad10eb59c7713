import TandemModel

/// LINSTOR's `select_filter`: the placement options of autoplace, resource groups and spawn.
/// Every field is optional; `merged(over:)` lets a request override a group's defaults.
public struct AutoSelectFilter: Sendable, Equatable, Codable {
    public var placeCount: Int?
    public var additionalPlaceCount: Int?
    public var nodeNames: [String]?
    public var storagePools: [String]?
    public var disklessStoragePools: [String]?
    public var notPlaceWithResources: [String]?
    public var notPlaceWithResourcesRegex: String?
    public var replicasOnSame: [String]?
    public var replicasOnDifferent: [String]?
    public var xReplicasOnDifferent: [String: Int]?
    public var layerStack: [String]?
    public var providers: [StorageProviderKind]?
    public var disklessOnRemaining: Bool?
    public var disklessType: String?

    public init() {}

    public var isEmpty: Bool { self == AutoSelectFilter() }

    /// Fields set in `self` win; unset ones come from `base` (the resource group's filter).
    public func merged(over base: AutoSelectFilter) -> AutoSelectFilter {
        var m = base
        if let v = placeCount { m.placeCount = v }
        if let v = additionalPlaceCount { m.additionalPlaceCount = v }
        if let v = nodeNames { m.nodeNames = v }
        if let v = storagePools { m.storagePools = v }
        if let v = disklessStoragePools { m.disklessStoragePools = v }
        if let v = notPlaceWithResources { m.notPlaceWithResources = v }
        if let v = notPlaceWithResourcesRegex { m.notPlaceWithResourcesRegex = v }
        if let v = replicasOnSame { m.replicasOnSame = v }
        if let v = replicasOnDifferent { m.replicasOnDifferent = v }
        if let v = xReplicasOnDifferent { m.xReplicasOnDifferent = v }
        if let v = layerStack { m.layerStack = v }
        if let v = providers { m.providers = v }
        if let v = disklessOnRemaining { m.disklessOnRemaining = v }
        if let v = disklessType { m.disklessType = v }
        return m
    }
}
