// LINSTOR REST v1 shapes the CLI reads (docs/rest_v1_openapi.yaml, 1.28.0). Every field the
// CLI does not strictly need is optional, so a controller that adds fields, or omits one the
// table can live without, still renders; unknown fields are ignored.

/// `GET /v1/nodes` element (schema Node).
public struct RestNode: Decodable, Sendable, Equatable {
    public var name: String
    public var type: String?
    public var flags: [String]?
    public var props: [String: String]?
    public var netInterfaces: [RestNetInterface]?
    public var connectionStatus: String?

    enum CodingKeys: String, CodingKey {
        case name, type, flags, props, netInterfaces = "net_interfaces", connectionStatus = "connection_status"
    }
}

/// Schema NetInterface.
public struct RestNetInterface: Decodable, Sendable, Equatable {
    public var name: String?
    public var address: String?
    public var satellitePort: Int?
    public var satelliteEncryptionType: String?
    public var isActive: Bool?

    enum CodingKeys: String, CodingKey {
        case name, address, satellitePort = "satellite_port", satelliteEncryptionType = "satellite_encryption_type", isActive = "is_active"
    }
}

/// `GET /v1/view/storage-pools` element (schema StoragePool). Capacities are KiB.
public struct RestStoragePool: Decodable, Sendable, Equatable {
    public var storagePoolName: String
    public var nodeName: String?
    public var providerKind: String?
    public var props: [String: String]?
    public var freeCapacity: Int64?
    public var totalCapacity: Int64?
    public var freeSpaceMgrName: String?
    public var reports: [ApiCallRc]?
    public var supportsSnapshots: Bool?
    public var sharedSpace: String?

    enum CodingKeys: String, CodingKey {
        case storagePoolName = "storage_pool_name", nodeName = "node_name", providerKind = "provider_kind", props
        case freeCapacity = "free_capacity", totalCapacity = "total_capacity", freeSpaceMgrName = "free_space_mgr_name"
        case reports, supportsSnapshots = "supports_snapshots", sharedSpace = "shared_space"
    }
}

/// `GET /v1/controller/version` (schema ControllerVersion).
public struct RestControllerVersion: Decodable, Sendable, Equatable {
    public var version: String?
    public var gitHash: String?
    public var buildTime: String?
    public var restApiVersion: String?

    enum CodingKeys: String, CodingKey {
        case version, gitHash = "git_hash", buildTime = "build_time", restApiVersion = "rest_api_version"
    }
}
