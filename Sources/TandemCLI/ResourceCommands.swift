import ArgumentParser
import TandemCLICore

public struct ResourceCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "resource", abstract: "Resources: a resource definition deployed on nodes (linstor resource …).",
        subcommands: [ResourceCreate.self, ResourceList.self, ResourceListVolumes.self, ResourceDelete.self],
        aliases: ["r"])
    public init() {}
}

public struct ResourceCreate: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Deploy a resource on named nodes, or let the controller place it.",
        discussion: """
            tandem r c NODE... RESOURCE [-s POOL] [--drbd-diskless]   on these nodes
            tandem r c RESOURCE --auto-place N [-s POOL] [--replicas-on-same KEY] [--replicas-on-different KEY]
                       [--do-not-place-with RESOURCE] [--diskless-on-remaining]
            """,
        aliases: ["c"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "NODE... RESOURCE (only RESOURCE with --auto-place)") public var words: [String] = []
    @Option(name: .customLong("auto-place"), help: ArgumentHelp("Place N diskful replicas automatically.", valueName: "N")) public var autoPlace: Int?
    @OptionGroup public var placement: PlacementOptions
    @Flag(name: .customLong("drbd-diskless"), help: "Diskless: the node reads and writes over the network.") public var drbdDiskless = false
    @Flag(name: [.customShort("d"), .customLong("diskless")], help: "Same as --drbd-diskless (linstor's older spelling).") public var diskless = false
    @Option(name: .customLong("node-id"), help: "Replication node id for this resource (0-31).") public var nodeId: Int?
    @Option(name: [.customShort("l"), .customLong("layer-list")], help: "Layers, e.g. drbd,storage.") public var layerList: String?

    public init() {}

    public func validate() throws {
        if drbdDiskless && diskless { throw ValidationError("give --drbd-diskless or -d/--diskless, not both") }
        if let nodeId, !(0...31).contains(nodeId) { throw ValidationError("--node-id must be 0..31, not \(nodeId)") }
        if let autoPlace {
            guard autoPlace >= 1 else { throw ValidationError("--auto-place needs a count of at least 1, not \(autoPlace)") }
            guard words.count == 1 else {
                throw ValidationError("with --auto-place give only the resource name: tandem r c RESOURCE --auto-place \(autoPlace)")
            }
        } else {
            guard words.count >= 2 else {
                throw ValidationError("name the nodes and the resource (tandem r c NODE... RESOURCE), or use --auto-place N")
            }
            if placement.pools.count > 1 { throw ValidationError("on named nodes give one storage pool (-s POOL)") }
            if !placement.replicasOnSame.isEmpty || !placement.replicasOnDifferent.isEmpty || !placement.doNotPlaceWith.isEmpty || placement.disklessOnRemaining {
                throw ValidationError("--replicas-on-same, --replicas-on-different, --do-not-place-with and --diskless-on-remaining need --auto-place N")
            }
        }
    }

    var resource: String { words.last ?? "" }
    var layers: [String]? { layerList.map { splitList($0).map { $0.uppercased() } } }
    /// LINSTOR turns its deprecated `DISKLESS` flag into `DRBD_DISKLESS` on a DRBD stack, the
    /// only diskless kind Tandem has, so `-d` asks for that directly.
    var disklessFlag: String? { drbdDiskless || diskless ? "DRBD_DISKLESS" : nil }

    public var request: RestRequest {
        if let autoPlace {
            var filter = placement.filter(placeCount: autoPlace)
            filter.disklessType = disklessFlag
            filter.layerStack = layers
            let body = AutoPlaceBody(disklessOnRemaining: placement.disklessOnRemaining ? true : nil, selectFilter: filter, layerList: layers)
            return RestRequest(.post, ["v1", "resource-definitions", resource, "autoplace"], json: body)
        }
        let pool = placement.pools.first
        let entries = words.dropLast().map { node in
            ResourceCreateEntry(
                resource: .init(nodeName: node, props: pool.map { ["StorPoolName": $0] }, flags: disklessFlag.map { [$0] }),
                drbdNodeId: nodeId, layerList: layers)
        }
        return RestRequest(.post, ["v1", "resource-definitions", resource, "resources"], json: entries)
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

/// Filters of `GET /v1/view/resources`, shared by resource list, list-volumes and volume list.
public struct ResourceFilterOptions: ParsableArguments, Sendable {
    @Option(name: [.customShort("n"), .customLong("nodes")], parsing: .upToNextOption, help: "Only on these nodes.") public var nodes: [String] = []
    @Option(name: [.customShort("r"), .customLong("resources")], parsing: .upToNextOption, help: "Only these resources.") public var resources: [String] = []
    @Option(name: [.customShort("s"), .customLong("storage-pools")], parsing: .upToNextOption, help: "Only volumes in these storage pools.") public var pools: [String] = []
    public init() {}

    var request: RestRequest {
        RestRequest(.get, ["v1", "view", "resources"], query: filters([("nodes", nodes), ("resources", resources), ("storage_pools", pools)]))
    }
}

public struct ResourceList: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List resources: where each is deployed and its state.", aliases: ["l", "ls"])

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var filter: ResourceFilterOptions
    public init() {}

    public var request: RestRequest { filter.request }

    public func execute(in session: Session) async throws(CLIError) -> Int32 {
        let (list, raw) = try await session.fetch(request, as: [RestResource].self)
        if session.options.machineReadable { try session.printMachineReadable([raw]) } else {
            session.out(ResourceTables.resourceList(list, timeZone: session.timeZone).render(style: session.style))
        }
        return ExitStatus.ok
    }
}

public struct ResourceListVolumes: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list-volumes", abstract: "List the volumes of resources (same as `volume list`).", aliases: ["lv"])

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var filter: ResourceFilterOptions
    public init() {}

    public var request: RestRequest { filter.request }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await showVolumes(request, in: session) }
}

func showVolumes(_ request: RestRequest, in session: Session) async throws(CLIError) -> Int32 {
    let (list, raw) = try await session.fetch(request, as: [RestResource].self)
    if session.options.machineReadable { try session.printMachineReadable([raw]) } else {
        session.out(ResourceTables.volumeList(list).render(style: session.style))
    }
    return ExitStatus.ok
}

public struct ResourceDelete: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Remove a resource from nodes: tandem r d NODE... RESOURCE.", aliases: ["d"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "NODE... RESOURCE") public var words: [String] = []
    public init() {}

    public func validate() throws {
        guard words.count >= 2 else { throw ValidationError("name the nodes and the resource: tandem r d NODE... RESOURCE") }
    }

    /// One DELETE per node, as the linstor client sends them.
    public var requests: [RestRequest] {
        let resource = words.last ?? ""
        return words.dropLast().map { RestRequest(.delete, ["v1", "resource-definitions", resource, "resources", $0]) }
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply(requests) }
}

public struct VolumeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "volume", abstract: "Volumes of deployed resources (linstor volume …).",
        subcommands: [VolumeList.self],
        aliases: ["v"])
    public init() {}
}

public struct VolumeList: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List volumes: pool, minor, device, allocation, state, replication.", aliases: ["l", "ls"])

    @OptionGroup public var global: GlobalOptions
    @OptionGroup public var filter: ResourceFilterOptions
    public init() {}

    public var request: RestRequest { filter.request }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await showVolumes(request, in: session) }
}
