import ArgumentParser
import TandemCLICore
import TandemModel

public struct StoragePoolCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "storage-pool", abstract: "Storage pools: where a node keeps volume data (linstor storage-pool …).",
        subcommands: [StoragePoolCreate.self, StoragePoolList.self, StoragePoolDelete.self],
        aliases: ["sp"])
    public init() {}
}

public struct StoragePoolCreate: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a storage pool on a node.",
        discussion: """
            tandem sp c DRIVER NODE POOL [DRIVER_POOL]
              DRIVER is lvm, lvmthin, zfs, zfsthin, file, filethin or diskless; DRIVER_POOL is the
              volume group (lvm), vg/thinpool (lvmthin), zpool (zfs) or directory (file, filethin);
              diskless pools take none. Example: tandem sp c filethin alpha pool0 /var/lib/tandem/pool0
            The older order NODE POOL DRIVER DRIVER_POOL (linstor storage-pool create alpha pool0 lvm vg0)
            is accepted too.
            """,
        aliases: ["c"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "DRIVER NODE POOL [DRIVER_POOL]") public var words: [String] = []
    @Option(name: .customLong("shared-space"), help: "Name of the space this pool shares with pools on other nodes.") public var sharedSpace: String?
    @Flag(name: .customLong("external-locking"), help: "The shared pool is locked outside tandem.") public var externalLocking = false

    public init() {}

    struct Parsed: Equatable { var driver: StorageProviderKind; var node: String; var pool: String; var driverPool: String? }

    func parsed() throws -> Parsed {
        let usage = "expected DRIVER NODE POOL [DRIVER_POOL], e.g. `tandem sp c filethin alpha pool0 /var/lib/tandem/pool0`; DRIVER is one of \(ProviderKindName.cliNames.joined(separator: ", "))"
        guard words.count >= 3 && words.count <= 4 else { throw ValidationError(usage) }
        var p: Parsed
        if let driver = ProviderKindName.parse(words[0]) {
            p = Parsed(driver: driver, node: words[1], pool: words[2], driverPool: words.count == 4 ? words[3] : nil)
        } else if let driver = ProviderKindName.parse(words[2]) {
            p = Parsed(driver: driver, node: words[0], pool: words[1], driverPool: words.count == 4 ? words[3] : nil)
        } else {
            throw ValidationError("unknown storage driver '\(words[0])'; \(usage)")
        }
        if p.driver == .diskless, p.driverPool != nil {
            throw ValidationError("a diskless pool has no DRIVER_POOL: tandem sp c diskless \(p.node) \(p.pool)")
        }
        if p.driver != .diskless, p.driverPool == nil {
            throw ValidationError("a \(p.driver.rawValue) pool needs its DRIVER_POOL (\(Self.driverPoolHint(p.driver)))")
        }
        return p
    }

    static func driverPoolHint(_ kind: StorageProviderKind) -> String {
        switch kind {
        case .lvm: return "an LVM volume group"
        case .lvmThin: return "vg/thinpool"
        case .zfs, .zfsThin: return "a zpool or dataset"
        case .file, .fileThin: return "a directory"
        case .diskless: return "none"
        }
    }

    public func validate() throws { _ = try parsed() }

    public var request: RestRequest {
        let p = try! parsed()  // validate() has run
        let body = StoragePoolCreateBody(
            storagePoolName: p.pool, providerKind: p.driver.rawValue,
            props: p.driverPool.map { ["StorDriver/StorPoolName": $0] },
            freeSpaceMgrName: sharedSpace, externalLocking: externalLocking ? true : nil)
        return RestRequest(.post, ["v1", "nodes", p.node, "storage-pools"], json: body)
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}

public struct StoragePoolList: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List storage pools with their capacity.", aliases: ["l", "ls"])

    @OptionGroup public var global: GlobalOptions
    @Option(name: [.customShort("n"), .customLong("nodes")], parsing: .upToNextOption, help: "Only pools on these nodes.") public var nodes: [String] = []
    @Option(name: [.customShort("s"), .customLong("storage-pools")], parsing: .upToNextOption, help: "Only these pools.") public var pools: [String] = []

    public init() {}

    public var request: RestRequest {
        RestRequest(.get, ["v1", "view", "storage-pools"], query: filters([("nodes", nodes), ("storage_pools", pools)]))
    }

    public func execute(in session: Session) async throws(CLIError) -> Int32 {
        let (list, raw) = try await session.fetch(request, as: [RestStoragePool].self)
        if session.options.machineReadable { try session.printMachineReadable([raw]) } else {
            session.out(NodeTables.storagePoolList(list).render(style: session.style))
        }
        return ExitStatus.ok
    }
}

public struct StoragePoolDelete: ClientCommand {
    public static let configuration = CommandConfiguration(
        commandName: "delete", abstract: "Delete a storage pool from a node.", aliases: ["d"])

    @OptionGroup public var global: GlobalOptions
    @Argument(help: "Node name.") public var node: String
    @Argument(help: "Storage pool name.") public var pool: String

    public init() {}

    public var request: RestRequest { RestRequest(.delete, ["v1", "nodes", node, "storage-pools", pool]) }

    public func execute(in session: Session) async throws(CLIError) -> Int32 { try await session.apply([request]) }
}
