/// `GET /v1/resource-definitions[?with_volume_definitions=true]` element (schema ResourceDefinition).
public struct RestResourceDefinition: Decodable, Sendable, Equatable {
    public var name: String
    public var props: [String: String]?
    public var flags: [String]?
    public var layerData: [RestLayerData]?
    public var resourceGroupName: String?
    public var volumeDefinitions: [RestVolumeDefinition]?

    enum CodingKeys: String, CodingKey {
        case name, props, flags, layerData = "layer_data", resourceGroupName = "resource_group_name"
        case volumeDefinitions = "volume_definitions"
    }
}

/// One entry of a definition's `layer_data`: the layer type and, for DRBD, its numbers.
public struct RestLayerData: Decodable, Sendable, Equatable {
    public var type: String
    public var data: Payload?

    /// The union of the DRBD layer payloads the CLI reads (ResourceDefinition: port;
    /// VolumeDefinition: minor_number).
    public struct Payload: Decodable, Sendable, Equatable {
        public var port: Int?
        public var peerSlots: Int?
        public var volumeNumber: Int?
        public var minorNumber: Int?
        enum CodingKeys: String, CodingKey {
            case port, peerSlots = "peer_slots", volumeNumber = "volume_number", minorNumber = "minor_number"
        }
    }
}

/// Schema VolumeDefinition. `size_kib` is the net size in KiB.
public struct RestVolumeDefinition: Decodable, Sendable, Equatable {
    public var volumeNumber: Int?
    public var sizeKib: Int64
    public var flags: [String]?
    public var props: [String: String]?
    public var layerData: [RestLayerData]?

    enum CodingKeys: String, CodingKey {
        case volumeNumber = "volume_number", sizeKib = "size_kib", flags, props, layerData = "layer_data"
    }

    /// The DRBD minor number the controller allocated, if it reports one.
    public var minorNumber: Int? {
        layerData?.first(where: { $0.type.uppercased() == "DRBD" })?.data?.minorNumber
    }
}

/// `GET /v1/resource-groups` element (schema ResourceGroup).
public struct RestResourceGroup: Decodable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var props: [String: String]?
    public var selectFilter: AutoSelectFilter?

    enum CodingKeys: String, CodingKey { case name, description, props, selectFilter = "select_filter" }
}

/// `GET /v1/resource-groups/{rg}/volume-groups` element (schema VolumeGroup).
public struct RestVolumeGroup: Decodable, Sendable, Equatable {
    public var volumeNumber: Int?
    public var flags: [String]?
    enum CodingKeys: String, CodingKey { case volumeNumber = "volume_number", flags }
}

/// Schema AutoSelectFilter: read from resource groups, sent with autoplace, RG create and spawn.
/// Fields left nil are not sent, so the controller's (and resource group's) defaults apply.
public struct AutoSelectFilter: Codable, Sendable, Equatable {
    public var placeCount: Int?
    public var additionalPlaceCount: Int?
    public var nodeNameList: [String]?
    public var storagePool: String?
    public var storagePoolList: [String]?
    public var storagePoolDisklessList: [String]?
    public var notPlaceWithRsc: [String]?
    public var notPlaceWithRscRegex: String?
    public var replicasOnSame: [String]?
    public var replicasOnDifferent: [String]?
    public var xReplicasOnDifferentMap: [String: Int]?
    public var disklessOnRemaining: Bool?
    public var disklessType: String?
    public var layerStack: [String]?
    public var providerList: [String]?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case placeCount = "place_count", additionalPlaceCount = "additional_place_count", nodeNameList = "node_name_list"
        case storagePool = "storage_pool", storagePoolList = "storage_pool_list", storagePoolDisklessList = "storage_pool_diskless_list"
        case notPlaceWithRsc = "not_place_with_rsc", notPlaceWithRscRegex = "not_place_with_rsc_regex"
        case replicasOnSame = "replicas_on_same", replicasOnDifferent = "replicas_on_different"
        case xReplicasOnDifferentMap = "x_replicas_on_different_map", disklessOnRemaining = "diskless_on_remaining"
        case disklessType = "diskless_type", layerStack = "layer_stack", providerList = "provider_list"
    }

    /// True when no field is set (an empty filter is not worth sending).
    public var isEmpty: Bool { self == AutoSelectFilter() }
}
