import TandemCLICore

// Request bodies of the calls the CLI makes, shaped as LINSTOR's schemas (NodeCreate is a Node,
// StoragePool, ResourceDefinitionCreate, VolumeDefinitionCreate/Modify, ResourceCreate,
// AutoPlaceRequest, ResourceGroup, ResourceGroupSpawn, *Modify for properties). Optional fields
// left nil are not sent.

public struct NodeCreateBody: Encodable, Sendable {
    public var name: String
    public var type: String
    public var netInterfaces: [NetInterface]
    public var props: [String: String]?

    public struct NetInterface: Encodable, Sendable {
        public var name: String
        public var address: String
        public var satellitePort: Int
        public var satelliteEncryptionType: String
        public var isActive: Bool
        enum CodingKeys: String, CodingKey {
            case name, address, satellitePort = "satellite_port", satelliteEncryptionType = "satellite_encryption_type", isActive = "is_active"
        }
    }
    enum CodingKeys: String, CodingKey { case name, type, netInterfaces = "net_interfaces", props }
}

public struct StoragePoolCreateBody: Encodable, Sendable {
    public var storagePoolName: String
    public var providerKind: String
    public var props: [String: String]?
    public var freeSpaceMgrName: String?
    public var externalLocking: Bool?
    enum CodingKeys: String, CodingKey {
        case storagePoolName = "storage_pool_name", providerKind = "provider_kind", props
        case freeSpaceMgrName = "free_space_mgr_name", externalLocking = "external_locking"
    }
}

public struct ResourceDefinitionCreateBody: Encodable, Sendable {
    public var resourceDefinition: Definition
    public var drbdPort: Int?
    public var drbdPeerSlots: Int?

    public struct Definition: Encodable, Sendable {
        public var name: String
        public var resourceGroupName: String?
        public var layerData: [Layer]?
        enum CodingKeys: String, CodingKey { case name, resourceGroupName = "resource_group_name", layerData = "layer_data" }
    }
    public struct Layer: Encodable, Sendable { public var type: String }
    enum CodingKeys: String, CodingKey { case resourceDefinition = "resource_definition", drbdPort = "drbd_port", drbdPeerSlots = "drbd_peer_slots" }
}

public struct VolumeDefinitionCreateBody: Encodable, Sendable {
    public var volumeDefinition: Definition
    public var drbdMinorNumber: Int?

    public struct Definition: Encodable, Sendable {
        public var volumeNumber: Int?
        public var sizeKib: UInt64
        /// Always sent, possibly empty, as the linstor client does.
        public var flags: [String]
        public var props: [String: String]?
        enum CodingKeys: String, CodingKey { case volumeNumber = "volume_number", sizeKib = "size_kib", flags, props }
    }
    enum CodingKeys: String, CodingKey { case volumeDefinition = "volume_definition", drbdMinorNumber = "drbd_minor_number" }
}

public struct VolumeDefinitionModifyBody: Encodable, Sendable {
    public var sizeKib: UInt64?
    public var flags: [String]?
    enum CodingKeys: String, CodingKey { case sizeKib = "size_kib", flags }
}

/// `override_props` / `delete_props` of NodeModify, ResourceDefinitionModify and friends.
public struct PropsModifyBody: Encodable, Sendable {
    public var overrideProps: [String: String]?
    public var deleteProps: [String]?
    enum CodingKeys: String, CodingKey { case overrideProps = "override_props", deleteProps = "delete_props" }
}

/// One element of the list `POST /v1/resource-definitions/{r}/resources` takes.
public struct ResourceCreateEntry: Encodable, Sendable {
    public var resource: Resource
    public var drbdNodeId: Int?
    public var layerList: [String]?

    public struct Resource: Encodable, Sendable {
        public var nodeName: String
        public var props: [String: String]?
        public var flags: [String]?
        enum CodingKeys: String, CodingKey { case nodeName = "node_name", props, flags }
    }
    enum CodingKeys: String, CodingKey { case resource, drbdNodeId = "drbd_node_id", layerList = "layer_list" }
}

public struct AutoPlaceBody: Encodable, Sendable {
    public var disklessOnRemaining: Bool?
    public var selectFilter: AutoSelectFilter
    public var layerList: [String]?
    enum CodingKeys: String, CodingKey { case disklessOnRemaining = "diskless_on_remaining", selectFilter = "select_filter", layerList = "layer_list" }
}

public struct ResourceGroupCreateBody: Encodable, Sendable {
    public var name: String
    public var description: String?
    public var selectFilter: AutoSelectFilter?
    enum CodingKeys: String, CodingKey { case name, description, selectFilter = "select_filter" }
}

public struct ResourceGroupSpawnBody: Encodable, Sendable {
    public var resourceDefinitionName: String
    public var volumeSizes: [UInt64]
    public var partial: Bool
    public var definitionsOnly: Bool
    public var selectFilter: AutoSelectFilter?
    enum CodingKeys: String, CodingKey {
        case resourceDefinitionName = "resource_definition_name", volumeSizes = "volume_sizes", partial
        case definitionsOnly = "definitions_only", selectFilter = "select_filter"
    }
}
