/// `GET /v1/view/resources` element (schema ResourceWithVolumes): one resource on one node
/// with its volumes. Backs both `resource list` and `volume list`.
public struct RestResource: Decodable, Sendable, Equatable {
    public var name: String
    public var nodeName: String
    public var props: [String: String]?
    public var flags: [String]?
    public var layerObject: RestResourceLayer?
    public var state: State?
    public var createTimestamp: Int64?
    public var volumes: [RestVolume]?

    public struct State: Decodable, Sendable, Equatable {
        public var inUse: Bool?
        enum CodingKeys: String, CodingKey { case inUse = "in_use" }
    }

    enum CodingKeys: String, CodingKey {
        case name, nodeName = "node_name", props, flags, layerObject = "layer_object", state
        case createTimestamp = "create_timestamp", volumes
    }

    public func hasFlag(_ flag: String) -> Bool { flags?.contains(flag) ?? false }
}

/// Schema ResourceLayer: a tree (DRBD over STORAGE, …).
public struct RestResourceLayer: Decodable, Sendable, Equatable {
    public var type: String?
    public var children: [RestResourceLayer]?
    public var drbd: Drbd?

    public struct Drbd: Decodable, Sendable, Equatable {
        public var nodeId: Int?
        public var tcpPorts: [Int]?
        public var connections: [String: Connection]?
        enum CodingKeys: String, CodingKey { case nodeId = "node_id", tcpPorts = "tcp_ports", connections }
    }

    public struct Connection: Decodable, Sendable, Equatable {
        public var connected: Bool?
        public var message: String?
    }

    /// Layer types from the top down, following the first child: "DRBD,STORAGE".
    public var stack: [String] {
        var out: [String] = []
        var node: RestResourceLayer? = self
        while let n = node {
            if let t = n.type { out.append(t) }
            node = n.children?.first
        }
        return out
    }

    /// The DRBD layer anywhere in the tree.
    public var drbdLayer: Drbd? {
        if let drbd { return drbd }
        for child in children ?? [] { if let d = child.drbdLayer { return d } }
        return nil
    }
}

/// Schema Volume inside ResourceWithVolumes.
public struct RestVolume: Decodable, Sendable, Equatable {
    public var volumeNumber: Int?
    public var storagePoolName: String?
    public var providerKind: String?
    public var devicePath: String?
    public var allocatedSizeKib: Int64?
    public var state: State?
    public var layerDataList: [Layer]?

    public struct State: Decodable, Sendable, Equatable {
        public var diskState: String?
        public var replicationStates: [String: Replication]?
        enum CodingKeys: String, CodingKey { case diskState = "disk_state", replicationStates = "replication_states" }
    }

    public struct Replication: Decodable, Sendable, Equatable {
        public var replicationState: String?
        public var donePercentage: Double?
        enum CodingKeys: String, CodingKey { case replicationState = "replication_state", donePercentage = "done_percentage" }
    }

    public struct Layer: Decodable, Sendable, Equatable {
        public var type: String?
        public var data: Payload?
        public struct Payload: Decodable, Sendable, Equatable {
            public var drbdVolumeDefinition: DrbdVolumeDefinition?
            public var devicePath: String?
            enum CodingKeys: String, CodingKey { case drbdVolumeDefinition = "drbd_volume_definition", devicePath = "device_path" }
        }
        public struct DrbdVolumeDefinition: Decodable, Sendable, Equatable {
            public var volumeNumber: Int?
            public var minorNumber: Int?
            enum CodingKeys: String, CodingKey { case volumeNumber = "volume_number", minorNumber = "minor_number" }
        }
    }

    enum CodingKeys: String, CodingKey {
        case volumeNumber = "volume_number", storagePoolName = "storage_pool_name", providerKind = "provider_kind"
        case devicePath = "device_path", allocatedSizeKib = "allocated_size_kib", state, layerDataList = "layer_data_list"
    }

    /// The DRBD minor from the DRBD layer data, as `volume list` shows it.
    public var minorNumber: Int? {
        layerDataList?.first(where: { $0.type?.uppercased() == "DRBD" })?.data?.drbdVolumeDefinition?.minorNumber
    }

    /// True when the top layer is DRBD: then a disk state is expected (linstor shows "Created"
    /// for volumes without DRBD).
    public var isDrbd: Bool { layerDataList?.first?.type?.uppercased() == "DRBD" }
}
