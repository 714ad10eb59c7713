import ArgumentParser
import Foundation
import TandemCLICore

public struct ResourceGroupCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "resource-group", abstract: "Resource groups: placement templates for resource definitions (linstor resource-group …).",
        subcommands: [ResourceGroupCreate.self, ResourceGroupList.self, ResourceGroupDelete.self, ResourceGroupSpawn.self],
        aliases: ["rg"])
    public init() {}
}

public struct ResourceGroupCreate: ClientCommand {
    public static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a resource group.", aliases: ["c"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Resource group name.") public var name: String
    @Option(name: .customLong("place-count"), help: "Diskful replicas for resources spawned from this group.") public var placeCount: Int?
    @Option(name: .customLong("description"), help: "Free text.") public var groupDescription: String?
    @OptionGroup public var placement: PlacementOptions
    public init() {}

    public func validate() throws {
        if let placeCount, placeCount < 1 { throw ValidationError("--place-count must be at least 1, not \(placeCount)") }
    }

    public var request: RestRequest {
        var filter = placement.filter(placeCount: placeCount)
        if placement.disklessOnRemaining { filter.disklessOnRemaining = true }
        let body = ResourceGroupCreateBody(name: name, description: groupDescription, selectFilter: filter.isEmpty ? nil : filter)
        return RestRequest(.post, ["v1", "resource-groups"], json: body)
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

public struct ResourceGroupList: ClientCommand {
    public static let configuration = CommandConfiguration(commandName: "list", abstract: "List resource groups.", aliases: ["l", "ls"])

    @OptionGroup public var global: GlobalOptions
    public init() {}

    public var request: RestRequest { RestRequest(.get, ["v1", "resource-groups"]) }

    public func execute(in session: Session) async throws(CLIError) -> Int32 {
        let (groups, raw) = try await session.fetch(request, as: [RestResourceGroup].self)
        if session.options.machineReadable {
            try session.printMachineReadable([raw])
            return ExitStatus.ok
        }
        var volumeGroups: [String: [RestVolumeGroup]] = [:]
        for group in groups {
            let vgs = try await session.fetch(RestRequest(.get, ["v1", "resource-groups", group.name, "volume-groups"]), as: [RestVolumeGroup].self)
            volumeGroups[group.name] = vgs.value
        }
        session.out(DefinitionTables.resourceGroupList(groups, volumeGroups: volumeGroups).render(style: session.style))
        return ExitStatus.ok
    }
}

public struct ResourceGroupDelete: ClientCommand {
    public static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a resource group.", aliases: ["d"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Resource group name.") public var name: String
    public init() {}

    public var request: RestRequest { RestRequest(.delete, ["v1", "resource-groups", name]) }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

public struct ResourceGroupSpawn: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "spawn-resources",
        abstract: "Create a resource definition with volumes from a group and place it: tandem rg spawn GROUP RESOURCE 40G.",
        aliases: ["spawn"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Resource group name.") public var group: String
    @Argument(help: "New resource name.") public var resource: String
    @Argument(help: "Volume sizes: K, M, G, T (or KiB, MiB, GiB, TiB); a bare number is GiB.") public var sizes: [String] = []
    @Option(name: .customLong("place-count"), help: "Override the group's replica count.") public var placeCount: Int?
    @OptionGroup public var placement: PlacementOptions
    @Flag(name: .customLong("partial"), help: "Allow fewer or more sizes than the group has volume groups.") public var partial = false
    @Flag(name: .customLong("definitions-only"), help: "Create the definitions only; do not place.") public var definitionsOnly = false
    public init() {}

    public func validate() throws {
        for size in sizes { _ = try sizeKiB(size) }
        if let placeCount, placeCount < 1 { throw ValidationError("--place-count must be at least 1, not \(placeCount)") }
    }

    public var request: RestRequest {
        var filter = placement.filter(placeCount: placeCount)
        if placement.disklessOnRemaining { filter.disklessOnRemaining = true }
        let body = ResourceGroupSpawnBody(
            resourceDefinitionName: resource, volumeSizes: sizes.map { (try? sizeKiB($0)) ?? 0 },
            partial: partial, definitionsOnly: definitionsOnly, selectFilter: filter.isEmpty ? nil : filter)
        return RestRequest(.post, ["v1", "resource-groups", group, "spawn"], json: body)
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

/// `tandem controller version` / `tandem c v`: a subcommand of the executable's `controller`
/// group, whose default subcommand runs the controller itself.
public struct ControllerVersionCommand: ClientCommand {
    public static let configuration = CommandConfiguration(commandName: "version", abstract: "Show the controller's version.", aliases: ["v"])

    @OptionGroup public var global: GlobalOptions
    public init() {}

    public var request: RestRequest { RestRequest(.get, ["v1", "controller", "version"]) }

    public func execute(in session: Session) async throws(CLIError) -> Int32 {
        let (v, raw) = try await session.fetch(request, as: RestControllerVersion.self)
        if session.options.machineReadable { try session.printMachineReadable([raw]) } else {
            session.out(Self.render(v))
        }
        return ExitStatus.ok
    }

    /// "tandem controller 0.1.0; GIT-hash: …" (the linstor client's line) plus the REST API version.
    public static func render(_ v: RestControllerVersion) -> String {
        var line = "tandem controller \(v.version ?? "unknown"); GIT-hash: \(v.gitHash ?? "unknown")"
        if let build = v.buildTime, !build.isEmpty { line += "; built \(build)" }
        if let api = v.restApiVersion { line += "; REST API \(api)" }
        return line + "\n"
    }
}

/// Every client command group, for the executable's subcommand list.
public enum ClientCommands {

    public static let all: [any ParsableCommand.Type] = [
        NodeCommand.self, StoragePoolCommand.self, ResourceGroupCommand.self, ResourceDefinitionCommand.self,
        VolumeDefinitionCommand.self, ResourceCommand.self, VolumeCommand.self,
    ]
}
