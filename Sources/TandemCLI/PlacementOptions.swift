import ArgumentParser
import TandemCLICore

/// The auto-placement constraints shared by `resource create --auto-place`, `resource-group
/// create` and `resource-group spawn-resources`, named as in the linstor client. Values may be
/// repeated or comma-separated (`--replicas-on-different site,rack`).
public struct PlacementOptions: ParsableArguments, Sendable {
    @Option(name: [.customShort("s"), .customLong("storage-pool")], help: "Storage pool(s) to place in.")
    public var storagePools: [String] = []

    @Option(name: .customLong("replicas-on-same"), help: ArgumentHelp("All replicas on nodes with the same value of this Aux property (KEY or KEY=VALUE).", valueName: "key"))
    public var replicasOnSame: [String] = []

    @Option(name: .customLong("replicas-on-different"), help: ArgumentHelp("Every replica on a node with a different value of this Aux property.", valueName: "key"))
    public var replicasOnDifferent: [String] = []

    @Option(name: .customLong("do-not-place-with"), help: ArgumentHelp("Avoid nodes that hold these resources.", valueName: "resource"))
    public var doNotPlaceWith: [String] = []

    @Flag(name: .customLong("diskless-on-remaining"), help: "Also create diskless resources on every other node.")
    public var disklessOnRemaining = false

    public init() {}

    var pools: [String] { storagePools.flatMap(splitList) }

    /// The select filter; Aux property names get their `Aux/` prefix as the linstor client adds it.
    func filter(placeCount: Int?) -> AutoSelectFilter {
        var f = AutoSelectFilter()
        f.placeCount = placeCount
        let pools = self.pools
        if !pools.isEmpty { f.storagePoolList = pools }
        let same = replicasOnSame.flatMap(splitList).map(auxKey)
        if !same.isEmpty { f.replicasOnSame = same }
        let different = replicasOnDifferent.flatMap(splitList).map(auxKey)
        if !different.isEmpty { f.replicasOnDifferent = different }
        let avoid = doNotPlaceWith.flatMap(splitList)
        if !avoid.isEmpty { f.notPlaceWithRsc = avoid }
        return f
    }

    func auxKey(_ key: String) -> String { key.hasPrefix("Aux/") ? key : "Aux/" + key }
}
