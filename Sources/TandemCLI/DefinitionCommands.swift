import ArgumentParser
import TandemCLICore
import TandemModel

public struct ResourceDefinitionCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "resource-definition", abstract: "Resource definitions: a replicated thing and its settings (linstor resource-definition …).",
        subcommands: [ResourceDefinitionCreate.self, ResourceDefinitionList.self, ResourceDefinitionDelete.self, ResourceDefinitionSetProperty.self],
        aliases: ["rd"])
    public init() {}
}

public struct ResourceDefinitionCreate: ClientCommand {
    public static let configuration = CommandConfiguration(commandName: "create", abstract: "Define a resource.", aliases: ["c"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Resource name.") public var name: String
    @Option(name: .customLong("port"), help: "Preferred replication TCP port.") public var port: Int?
    @Option(name: .customLong("resource-group"), help: "Resource group (default DfltRscGrp).") public var resourceGroup: String?
    @Option(name: .customLong("peer-slots"), help: "Peer slots to reserve (1-31).") public var peerSlots: Int?
    @Option(name: [.customShort("l"), .customLong("layer-list")], help: "Layers, e.g. drbd,storage.") public var layerList: String?

    public init() {}

    public func validate() throws {
        if let port, !(1...65535).contains(port) { throw ValidationError("--port \(port) is not a TCP port (1-65535)") }
        if let peerSlots, !(1...31).contains(peerSlots) { throw ValidationError("--peer-slots must be 1..31, not \(peerSlots)") }
    }

    public var request: RestRequest {
        let layers = layerList.map { splitList($0).map { ResourceDefinitionCreateBody.Layer(type: $0.uppercased()) } }
        let body = ResourceDefinitionCreateBody(
            resourceDefinition: .init(name: name, resourceGroupName: resourceGroup, layerData: layers),
            drbdPort: port, drbdPeerSlots: peerSlots)
        return RestRequest(.post, ["v1", "resource-definitions"], json: body)
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

public struct ResourceDefinitionList: ClientCommand {
    public static let configuration = CommandConfiguration(commandName: "list", abstract: "List resource definitions.", aliases: ["l", "ls"])

    @OptionGroup public var global: GlobalOptions
    @Option(name: [.customShort("r"), .customLong("resource-definitions")], parsing: .upToNextOption, help: "Only these.") public var names: [String] = []
    public init() {}

    public var request: RestRequest {
        RestRequest(.get, ["v1", "resource-definitions"], query: filters([("resource_definitions", names)]))
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 {
        let (list, raw) = try await session.fetch(request, as: [RestResourceDefinition].self)
        if session.options.machineReadable { try session.printMachineReadable([raw]) } else {
            session.out(DefinitionTables.resourceDefinitionList(list).render(style: session.style))
        }
        return ExitStatus.ok
    }
}

public struct ResourceDefinitionDelete: ClientCommand {
    public static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a resource definition and its resources.", aliases: ["d"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Resource name.") public var name: String
    public init() {}

    public var request: RestRequest { RestRequest(.delete, ["v1", "resource-definitions", name]) }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

public struct ResourceDefinitionSetProperty: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "set-property", abstract: "Set a resource definition property, or delete it when no value is given.", aliases: ["sp"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Resource name.") public var name: String
    @Argument(help: "Property key, e.g. DrbdOptions/Resource/quorum.") public var key: String
    @Argument(help: "Value; omit to delete the property.") public var value: String?
    @Flag(name: .customLong("aux"), help: "Prefix the key with Aux/.") public var aux = false
    public init() {}

    public var request: RestRequest {
        RestRequest(.put, ["v1", "resource-definitions", name], json: propsModify(key: key, value: value, aux: aux))
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

/// A size argument (`40G`, `512MiB`, `1.5T`; a bare number is GiB as in linstor) in KiB.
func sizeKiB(_ text: String) throws -> UInt64 {
    let size: ByteCount
    do { size = try ByteCount.parse(text) } catch { throw ValidationError(error.description) }
    guard size.rawValue > 0 else { throw ValidationError("invalid size '\(text)': a volume needs at least 1 KiB") }
    return size.kibRoundedUp
}

public struct VolumeDefinitionCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "volume-definition", abstract: "Volume definitions: the volumes of a resource and their sizes (linstor volume-definition …).",
        subcommands: [VolumeDefinitionCreate.self, VolumeDefinitionList.self, VolumeDefinitionSetSize.self, VolumeDefinitionDelete.self],
        aliases: ["vd"])
    public init() {}
}

public struct VolumeDefinitionCreate: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Add a volume to a resource definition: tandem vd c RESOURCE 40G.", aliases: ["c"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Resource name.") public var resource: String
    @Argument(help: "Size: K, M, G, T (or KiB, MiB, GiB, TiB); a bare number is GiB.") public var size: String
    @Option(name: .customLong("vlmnr"), help: "Volume number (default: next free).") public var volumeNumber: Int?
    @Option(name: .customLong("minor"), help: "Device minor number (default: allocated from 1000).") public var minor: Int?
    @Option(name: [.customShort("s"), .customLong("storage-pool")], help: "Storage pool for this volume.") public var storagePool: String?
    @Flag(name: .customLong("gross"), help: "The size includes replication metadata.") public var gross = false
    public init() {}

    public func validate() throws {
        _ = try sizeKiB(size)
        if let volumeNumber, volumeNumber < 0 { throw ValidationError("--vlmnr must not be negative") }
        if let minor, minor < 0 { throw ValidationError("--minor must not be negative") }
    }

    public var request: RestRequest {
        let body = VolumeDefinitionCreateBody(
            volumeDefinition: .init(volumeNumber: volumeNumber, sizeKib: (try? sizeKiB(size)) ?? 0, flags: gross ? ["GROSS_SIZE"] : [],
                                    props: storagePool.map { ["StorPoolName": $0] }),
            drbdMinorNumber: minor)
        return RestRequest(.post, ["v1", "resource-definitions", resource, "volume-definitions"], json: body)
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

public struct VolumeDefinitionList: ClientCommand {
    public static let configuration = CommandConfiguration(commandName: "list", abstract: "List volume definitions.", aliases: ["l", "ls"])

    @OptionGroup public var global: GlobalOptions
    @Option(name: [.customShort("r"), .customLong("resource-definitions")], parsing: .upToNextOption, help: "Only these resources.") public var names: [String] = []
    public init() {}

    public var request: RestRequest {
        RestRequest(.get, ["v1", "resource-definitions"], query: [("with_volume_definitions", "true")] + filters([("resource_definitions", names)]))
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 {
        let (list, raw) = try await session.fetch(request, as: [RestResourceDefinition].self)
        if session.options.machineReadable { try session.printMachineReadable([raw]) } else {
            session.out(DefinitionTables.volumeDefinitionList(list).render(style: session.style))
        }
        return ExitStatus.ok
    }
}

public struct VolumeDefinitionSetSize: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "set-size", abstract: "Resize a volume: tandem vd set-size RESOURCE VOLNR SIZE.")

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Resource name.") public var resource: String
    @Argument(help: "Volume number.") public var volumeNumber: Int
    @Argument(help: "New size: K, M, G, T (or KiB, MiB, GiB, TiB); a bare number is GiB.") public var size: String
    @Flag(name: .customLong("gross"), help: "The size includes replication metadata.") public var gross = false
    public init() {}

    public func validate() throws {
        _ = try sizeKiB(size)
        if volumeNumber < 0 { throw ValidationError("the volume number must not be negative") }
    }

    public var request: RestRequest {
        let body = VolumeDefinitionModifyBody(sizeKib: (try? sizeKiB(size)) ?? 0, flags: gross ? ["GROSS_SIZE"] : nil)
        return RestRequest(.put, ["v1", "resource-definitions", resource, "volume-definitions", String(volumeNumber)], json: body)
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

public struct VolumeDefinitionDelete: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a volume definition: tandem vd d RESOURCE VOLNR.", aliases: ["d"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Resource name.") public var resource: String
    @Argument(help: "Volume number.") public var volumeNumber: Int
    public init() {}

    public var request: RestRequest {
        RestRequest(.delete, ["v1", "resource-definitions", resource, "volume-definitions", String(volumeNumber)])
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}
