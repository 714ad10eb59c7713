import TandemModel

// Typed inputs of the operations, already parsed from JSON by the REST layer. Validation of
// meaning (names, ranges, references) happens in the operations, which know the cluster.

public struct NodeCreate: Sendable {
    public var name: String
    public var type: NodeType
    public var netInterfaces: [NetInterface]
    public var props: Props
    public init(name: String, type: NodeType, netInterfaces: [NetInterface], props: Props) {
        self.name = name; self.type = type; self.netInterfaces = netInterfaces; self.props = props
    }
}

/// override_props / delete_props / delete_namespaces, as every LINSTOR modify call carries them.
public struct PropsChange: Sendable {
    public var override: Props
    public var delete: [String]
    public var deleteNamespaces: [String]
    public init(override: Props = [:], delete: [String] = [], deleteNamespaces: [String] = []) {
        self.override = override; self.delete = delete; self.deleteNamespaces = deleteNamespaces
    }
    public var isEmpty: Bool { override.isEmpty && delete.isEmpty && deleteNamespaces.isEmpty }

    public func applied(to props: Props) -> Props {
        var p = props
        for ns in deleteNamespaces {
            let prefix = ns.hasSuffix("/") ? ns : ns + "/"
            for k in p.keys where k.hasPrefix(prefix) { p[k] = nil }
        }
        for k in delete { p[k] = nil }
        for (k, v) in override { p[k] = v }
        return p
    }
}

public struct StoragePoolCreate: Sendable {
    public var nodeName: String
    public var name: String
    public var provider: StorageProviderKind
    public var props: Props
    public var freeSpaceManagerName: String?
    public var externalLocking: Bool
    public init(nodeName: String, name: String, provider: StorageProviderKind, props: Props, freeSpaceManagerName: String? = nil, externalLocking: Bool = false) {
        self.nodeName = nodeName; self.name = name; self.provider = provider; self.props = props
        self.freeSpaceManagerName = freeSpaceManagerName; self.externalLocking = externalLocking
    }
}

public struct ResourceGroupCreate: Sendable {
    public var name: String
    public var description: String
    public var props: Props
    public var selectFilter: AutoSelectFilter
    public var peerSlots: Int?
    public init(name: String, description: String = "", props: Props = [:], selectFilter: AutoSelectFilter = AutoSelectFilter(), peerSlots: Int? = nil) {
        self.name = name; self.description = description; self.props = props; self.selectFilter = selectFilter; self.peerSlots = peerSlots
    }
}

public struct ResourceGroupModify: Sendable {
    public var description: String?
    public var props = PropsChange()
    public var selectFilter: AutoSelectFilter?
    public var peerSlots: Int?
    public init() {}
}

public struct ResourceDefinitionCreate: Sendable {
    public var name: String
    public var resourceGroup: String?
    public var props: Props
    public var peerSlots: Int?
    public var externalName: String?
    public var layerStack: [String]?
    public init(name: String, resourceGroup: String? = nil, props: Props = [:], peerSlots: Int? = nil, externalName: String? = nil, layerStack: [String]? = nil) {
        self.name = name; self.resourceGroup = resourceGroup; self.props = props; self.peerSlots = peerSlots
        self.externalName = externalName; self.layerStack = layerStack
    }
}

public struct ResourceDefinitionModify: Sendable {
    public var props = PropsChange()
    public var resourceGroup: String?
    public var peerSlots: Int?
    public init() {}
}

public struct VolumeDefinitionCreate: Sendable {
    public var sizeKiB: UInt64
    public var volumeNumber: Int?
    public var minor: Int?
    public var props: Props
    public var flags: [String]
    public init(sizeKiB: UInt64, volumeNumber: Int? = nil, minor: Int? = nil, props: Props = [:], flags: [String] = []) {
        self.sizeKiB = sizeKiB; self.volumeNumber = volumeNumber; self.minor = minor; self.props = props; self.flags = flags
    }
}

public struct VolumeDefinitionModify: Sendable {
    public var sizeKiB: UInt64?
    public var props = PropsChange()
    public init(sizeKiB: UInt64? = nil) { self.sizeKiB = sizeKiB }
}

public struct ResourceCreate: Sendable {
    public var nodeName: String
    public var props: Props
    public var flags: [String]
    public var nodeId: Int?
    public var tcpPort: Int?
    public init(nodeName: String, props: Props = [:], flags: [String] = [], nodeId: Int? = nil, tcpPort: Int? = nil) {
        self.nodeName = nodeName; self.props = props; self.flags = flags; self.nodeId = nodeId; self.tcpPort = tcpPort
    }
    public var isDiskless: Bool { flags.contains { ["DISKLESS", "DRBD_DISKLESS", "NVME_INITIATOR"].contains($0.uppercased()) } }
}

public struct SpawnRequest: Sendable {
    public var resourceDefinitionName: String
    public var volumeSizesKiB: [UInt64]
    public var definitionsOnly: Bool
    public var partial: Bool
    public var selectFilter: AutoSelectFilter
    public var peerSlots: Int?
    public init(resourceDefinitionName: String, volumeSizesKiB: [UInt64], definitionsOnly: Bool = false, partial: Bool = false,
                selectFilter: AutoSelectFilter = AutoSelectFilter(), peerSlots: Int? = nil) {
        self.resourceDefinitionName = resourceDefinitionName; self.volumeSizesKiB = volumeSizesKiB
        self.definitionsOnly = definitionsOnly; self.partial = partial; self.selectFilter = selectFilter; self.peerSlots = peerSlots
    }
}

/// What the controller knows live about a node, for placement: reachability and the pool
/// capacities its satellite last reported (keyed by `Naming.key` of the pool name).
public struct NodeLiveView: Sendable {
    public var online: Bool
    public var poolCapacity: [String: (freeKiB: UInt64?, totalKiB: UInt64?)]
    public init(online: Bool, poolCapacity: [String: (freeKiB: UInt64?, totalKiB: UInt64?)]) {
        self.online = online; self.poolCapacity = poolCapacity
    }
}

/// Injected sources of identity, time and randomness, so operations stay deterministic in tests.
public struct OperationContext: Sendable {
    public var nowMillis: Int64
    public var makeUUID: @Sendable () -> String
    public var makeSecret: @Sendable () -> String
    public init(nowMillis: Int64, makeUUID: @escaping @Sendable () -> String, makeSecret: @escaping @Sendable () -> String) {
        self.nowMillis = nowMillis; self.makeUUID = makeUUID; self.makeSecret = makeSecret
    }
}
