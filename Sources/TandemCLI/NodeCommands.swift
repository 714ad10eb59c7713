import ArgumentParser
import Foundation
import TandemCLICore

public struct NodeCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Nodes: the machines of the cluster (linstor node …).",
        subcommands: [NodeCreate.self, NodeList.self, NodeDescribe.self, NodeDelete.self, NodeLost.self, NodeSetProperty.self],
        aliases: ["n"])
    public init() {}
}

public struct NodeCreate: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Register a node with the controller.", aliases: ["c"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Node name; should be the node's `uname -n`.") public var name: String
    @Argument(help: "IP address the controller reaches the satellite on; resolved from the name if omitted.") public var ip: String?
    @Option(name: .customLong("node-type"), help: "satellite, combined, controller or auxiliary.") public var nodeType: String = "satellite"
    @Option(name: .customLong("communication-type"), help: "plain or ssl.") public var communicationType: String = "plain"
    @Option(name: [.customShort("p"), .customLong("port")], help: "Satellite port (default 3366 plain, 3367 ssl).") public var port: Int?
    @Option(name: .customLong("interface-name"), help: "Name of the node's first net interface.") public var interfaceName: String = "default"

    public init() {}

    static let nodeTypes = ["satellite": "Satellite", "combined": "Combined", "controller": "Controller", "auxiliary": "Auxiliary"]

    public func validate() throws {
        guard Self.nodeTypes[nodeType.lowercased()] != nil else {
            throw ValidationError("unknown node type '\(nodeType)'; use satellite, combined, controller or auxiliary")
        }
        guard ["plain", "ssl"].contains(communicationType.lowercased()) else {
            throw ValidationError("unknown communication type '\(communicationType)'; use plain or ssl")
        }
        if let port, !(1...65535).contains(port) { throw ValidationError("port \(port) is not a TCP port (1-65535)") }
    }

    /// The satellite port the linstor client picks: 3366 plain (3370 for a controller-only
    /// node), 3367 ssl for satellites and 3371 ssl for the other types.
    var effectivePort: Int {
        if let port { return port }
        let type = nodeType.lowercased()
        if communicationType.lowercased() == "ssl" { return type == "satellite" ? 3367 : 3371 }
        return type == "controller" ? 3370 : 3366
    }

    /// `POST /v1/nodes` with the node type and encryption spelled as the OpenAPI enums.
    public func request(address: String) -> RestRequest {
        let body = NodeCreateBody(
            name: name, type: Self.nodeTypes[nodeType.lowercased()] ?? nodeType,
            netInterfaces: [.init(name: interfaceName, address: address, satellitePort: effectivePort,
                                  satelliteEncryptionType: communicationType.uppercased(), isActive: true)])
        return RestRequest(.post, ["v1", "nodes"], json: body)
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 {
        let address: String
        if let ip { address = ip } else { address = try Self.resolve(name) }
        return try await session.apply([request(address: address)])
    }

    /// The node's address from its name, as the linstor client does when no IP is given.
    static func resolve(_ host: String) throws(CLIError) -> String {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else {
            throw CLIError(message: "Unable to resolve the address of node '\(host)'; give its IP: tandem node create \(host) IP", exitCode: ExitStatus.usage)
        }
        defer { freeaddrinfo(result) }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(first.pointee.ai_addr, first.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else {
            throw CLIError(message: "Unable to resolve the address of node '\(host)'", exitCode: ExitStatus.usage)
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

public struct NodeList: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List nodes: Node, NodeType, Addresses, State.", aliases: ["l", "ls"])

    @OptionGroup public var global: GlobalOptions
    @Option(name: [.customShort("n"), .customLong("nodes")], parsing: .upToNextOption, help: "Only these nodes.") public var nodes: [String] = []

    public init() {}

    public var request: RestRequest { RestRequest(.get, ["v1", "nodes"], query: filters([("nodes", nodes)])) }

    public func execute(in session: Session) async throws(CLIError) -> Int32 {
        let (list, raw) = try await session.fetch(request, as: [RestNode].self)
        if session.options.machineReadable { try session.printMachineReadable([raw]) } else {
            session.out(NodeTables.nodeList(list).render(style: session.style))
        }
        return ExitStatus.ok
    }
}

public struct NodeDescribe: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "describe", abstract: "Show each node with its storage pools, resources and volumes as a tree.", aliases: ["dsc"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Nodes to describe (default: all).") public var names: [String] = []

    public init() {}

    /// Nodes, their pools and their resources: three list calls, filtered by node.
    public var requests: [RestRequest] {
        let byNode = filters([("nodes", names)])
        return [RestRequest(.get, ["v1", "nodes"], query: byNode),
                RestRequest(.get, ["v1", "view", "storage-pools"], query: byNode),
                RestRequest(.get, ["v1", "view", "resources"], query: byNode)]
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 {
        let r = requests
        let (nodes, rawNodes) = try await session.fetch(r[0], as: [RestNode].self)
        let (pools, rawPools) = try await session.fetch(r[1], as: [RestStoragePool].self)
        let (resources, rawResources) = try await session.fetch(r[2], as: [RestResource].self)
        if session.options.machineReadable { try session.printMachineReadable([rawNodes, rawPools, rawResources]) } else {
            session.out(NodeDescription.render(nodes: nodes, pools: pools, resources: resources))
        }
        return ExitStatus.ok
    }
}

public struct NodeDelete: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Remove a node (refused while it still holds resources).", aliases: ["d"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Node name.") public var name: String

    public init() {}

    public var request: RestRequest { RestRequest(.delete, ["v1", "nodes", name]) }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

public struct NodeLost: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lost",
        abstract: "Remove a node that is gone for good, with its storage pools and every resource on it.",
        discussion: "For a dead machine: nothing is asked of its satellite, and the other replicas drop it as a peer. Refused while the node is connected; use `node delete` then.")

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Node name.") public var name: String

    public init() {}

    public var request: RestRequest { RestRequest(.delete, ["v1", "nodes", name, "lost"]) }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

public struct NodeSetProperty: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "set-property", abstract: "Set a node property, or delete it when no value is given.", aliases: ["sp"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Node name.") public var name: String
    @Argument(help: "Property key, e.g. Aux/site.") public var key: String
    @Argument(help: "Value; omit to delete the property.") public var value: String?
    @Flag(name: .customLong("aux"), help: "Prefix the key with Aux/.") public var aux = false

    public init() {}

    public var request: RestRequest {
        RestRequest(.put, ["v1", "nodes", name], json: propsModify(key: key, value: value, aux: aux))
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

/// `set-property KEY [VALUE]` as LINSTOR's *Modify bodies: a value overrides, none deletes.
func propsModify(key: String, value: String?, aux: Bool) -> PropsModifyBody {
    let fullKey = aux && !key.hasPrefix("Aux/") ? "Aux/" + key : key
    if let value { return PropsModifyBody(overrideProps: [fullKey: value], deleteProps: nil) }
    return PropsModifyBody(overrideProps: nil, deleteProps: [fullKey])
}
