import TandemModel

// The LINSTOR object model as the controller keeps it in memory and in its database. Every
// object keeps the name spelling it was created with; lookups use `Naming.key` (upper case).

public typealias Props = [String: String]

public enum NodeType: String, Sendable, CaseIterable {
    case controller = "CONTROLLER", satellite = "SATELLITE", combined = "COMBINED", auxiliary = "AUXILIARY"

    /// Case-insensitive, as LINSTOR's `Type.valueOfIgnoreCase` (the CLI sends lower case).
    public init?(caseInsensitive text: String) { self.init(rawValue: text.uppercased()) }

    /// Whether a satellite runs on such a node (the controller opens a session to it).
    public var runsSatellite: Bool { self != .controller }

    public var allowedProviders: Set<StorageProviderKind> {
        switch self {
        case .controller: []
        case .auxiliary: [.diskless]
        case .satellite, .combined: Set(StorageProviderKind.allCases)
        }
    }
}

public enum EncryptionType: String, Sendable {
    case plain = "PLAIN", ssl = "SSL"
    public init?(caseInsensitive text: String) { self.init(rawValue: text.uppercased()) }
}

public struct NetInterface: Sendable, Equatable {
    public var name: String
    public var address: String
    public var satellitePort: Int?
    public var encryption: EncryptionType?
    public var isActive: Bool
    public var uuid: String
    public init(name: String, address: String, satellitePort: Int?, encryption: EncryptionType?, isActive: Bool, uuid: String) {
        self.name = name; self.address = address; self.satellitePort = satellitePort
        self.encryption = encryption; self.isActive = isActive; self.uuid = uuid
    }
}

public struct NodeRecord: Sendable, Equatable {
    public var name: String
    public var type: NodeType
    public var netInterfaces: [NetInterface]
    public var props: Props
    public var flags: [String]
    public var uuid: String

    public init(name: String, type: NodeType, netInterfaces: [NetInterface], props: Props, flags: [String] = [], uuid: String) {
        self.name = name; self.type = type; self.netInterfaces = netInterfaces; self.props = props; self.flags = flags; self.uuid = uuid
    }

    /// The interface the controller uses to reach the satellite.
    public var activeInterface: NetInterface? { netInterfaces.first(where: \.isActive) ?? netInterfaces.first }
}

public struct StoragePoolRecord: Sendable, Equatable {
    public var nodeName: String
    public var name: String
    public var provider: StorageProviderKind
    public var props: Props
    public var freeSpaceManagerName: String
    public var externalLocking: Bool
    public var uuid: String

    public init(nodeName: String, name: String, provider: StorageProviderKind, props: Props, freeSpaceManagerName: String, externalLocking: Bool, uuid: String) {
        self.nodeName = nodeName; self.name = name; self.provider = provider; self.props = props
        self.freeSpaceManagerName = freeSpaceManagerName; self.externalLocking = externalLocking; self.uuid = uuid
    }

    /// Where the provider carves volumes (`StorDriver/StorPoolName`).
    public var driverPool: String { props["StorDriver/StorPoolName"] ?? "" }
}

public struct VolumeGroupRecord: Sendable, Equatable {
    public var number: Int
    public var props: Props
    public var flags: [String]
    public var uuid: String
    public init(number: Int, props: Props, flags: [String], uuid: String) {
        self.number = number; self.props = props; self.flags = flags; self.uuid = uuid
    }
}

public struct ResourceGroupRecord: Sendable, Equatable {
    public var name: String
    public var description: String
    public var props: Props
    public var selectFilter: AutoSelectFilter
    public var peerSlots: Int?
    public var volumeGroups: [VolumeGroupRecord]
    public var uuid: String

    public init(name: String, description: String, props: Props, selectFilter: AutoSelectFilter, peerSlots: Int?, volumeGroups: [VolumeGroupRecord], uuid: String) {
        self.name = name; self.description = description; self.props = props; self.selectFilter = selectFilter
        self.peerSlots = peerSlots; self.volumeGroups = volumeGroups; self.uuid = uuid
    }
}

public struct VolumeDefinitionRecord: Sendable, Equatable {
    public var number: Int
    public var sizeKiB: UInt64
    public var minor: Int
    public var props: Props
    public var flags: [String]
    public var uuid: String
    public init(number: Int, sizeKiB: UInt64, minor: Int, props: Props, flags: [String], uuid: String) {
        self.number = number; self.sizeKiB = sizeKiB; self.minor = minor; self.props = props; self.flags = flags; self.uuid = uuid
    }
}

public struct ResourceDefinitionRecord: Sendable, Equatable {
    public var name: String
    public var externalName: String?
    public var resourceGroup: String
    public var props: Props
    public var flags: [String]
    public var peerSlots: Int
    /// Shared secret of the replication links (DRBD's `shared-secret`).
    public var secret: String
    public var layerStack: [String]
    /// Sorted by volume number.
    public var volumeDefinitions: [VolumeDefinitionRecord]
    public var uuid: String

    public init(name: String, externalName: String?, resourceGroup: String, props: Props, flags: [String], peerSlots: Int,
                secret: String, layerStack: [String], volumeDefinitions: [VolumeDefinitionRecord], uuid: String) {
        self.name = name; self.externalName = externalName; self.resourceGroup = resourceGroup; self.props = props
        self.flags = flags; self.peerSlots = peerSlots; self.secret = secret; self.layerStack = layerStack
        self.volumeDefinitions = volumeDefinitions; self.uuid = uuid
    }

    public func volumeDefinition(_ number: Int) -> VolumeDefinitionRecord? { volumeDefinitions.first { $0.number == number } }
    public var totalSizeKiB: UInt64 { volumeDefinitions.reduce(0) { $0 + $1.sizeKiB } }
}

public struct ResourceRecord: Sendable, Equatable {
    public var resourceName: String
    public var nodeName: String
    public var nodeId: Int
    public var tcpPort: Int
    /// e.g. ["DISKLESS", "DRBD_DISKLESS"] for a diskless replica.
    public var flags: [String]
    /// `StorPoolName` holds the storage pool backing the volumes.
    public var props: Props
    /// Properties of the resource's volumes, by volume number (rarely used; kept for `volume` props).
    public var volumeProps: [Int: Props]
    public var createdMillis: Int64
    public var uuid: String

    public init(resourceName: String, nodeName: String, nodeId: Int, tcpPort: Int, flags: [String], props: Props,
                volumeProps: [Int: Props] = [:], createdMillis: Int64, uuid: String) {
        self.resourceName = resourceName; self.nodeName = nodeName; self.nodeId = nodeId; self.tcpPort = tcpPort
        self.flags = flags; self.props = props; self.volumeProps = volumeProps; self.createdMillis = createdMillis; self.uuid = uuid
    }

    public var isDiskless: Bool { flags.contains("DISKLESS") || flags.contains("DRBD_DISKLESS") }
    public var storagePoolName: String { props["StorPoolName"] ?? (isDiskless ? ClusterDefaults.disklessPool : ClusterDefaults.defaultPool) }
}

public enum ClusterDefaults {
    public static let disklessPool = "DfltDisklessStorPool"
    public static let defaultPool = "DfltStorPool"
    public static let resourceGroup = "DfltRscGrp"
    public static let peerSlots = 7
    public static let minorRange = 1000...49999
    public static let tcpPortRange = 7000...7999
    public static let nodeIdRange = 0...31
    public static let satellitePortPlain = 3366
    public static let satellitePortSSL = 3367
    /// LINSTOR reports DISKLESS pools with Long.MAX_VALUE capacity.
    public static let disklessCapacityKiB: Int64 = Int64.max
    /// Largest volume Tandem accepts: 2^48 KiB = 256 PiB, far above any real disk and far below
    /// the point where KiB → byte arithmetic would overflow.
    public static let volumeSizeMaxKiB: UInt64 = 1 << 48
}
