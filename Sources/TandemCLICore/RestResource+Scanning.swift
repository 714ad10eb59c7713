/// Replies the CLI reads with JSONScanner instead of JSONDecoder (the large lists).
public protocol ScannedReply {
    static func scan(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> Self
}

extension Array: ScannedReply where Element == RestResource {
    public static func scan(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> [RestResource] { try RestResourceList.parse(bytes) }
}

/// `GET /v1/view/resources` read with JSONScanner: the same values the Decodable conformances
/// produce (a test holds the two together), an order of magnitude faster on 30,000 resources.
public enum RestResourceList {
    public static func parse(_ bytes: [UInt8]) throws(JSONScanner.Failure) -> [RestResource] {
        try JSONScanner.parse(bytes) { (s: inout JSONScanner) throws(JSONScanner.Failure) in try s.list(RestResource.init(scanning:)) }
    }
}

extension JSONScanner {
    static func strings(_ s: inout JSONScanner) throws(Failure) -> [String] { try s.list { (s: inout JSONScanner) throws(Failure) in try s.string() } }
    static func stringMap(_ s: inout JSONScanner) throws(Failure) -> [String: String] { try s.map { (s: inout JSONScanner) throws(Failure) in try s.string() } }

    // Codable's decodeIfPresent for scalars: null (or a missing key) is nil.
    mutating func optionalString() throws(Failure) -> String? { try skipNull() ? nil : try string() }
    mutating func optionalInt() throws(Failure) -> Int? { try skipNull() ? nil : try int() }
    mutating func optionalInt64() throws(Failure) -> Int64? { try skipNull() ? nil : try int64() }
    mutating func optionalBool() throws(Failure) -> Bool? { try skipNull() ? nil : try bool() }
    mutating func optionalDouble() throws(Failure) -> Double? { try skipNull() ? nil : try double() }
}

extension RestResource {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        let start = s.i
        var name: String?, nodeName: String?
        var props: [String: String]?, flags: [String]?
        var layer: RestResourceLayer?, state: State?, created: Int64?, volumes: [RestVolume]?
        try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            switch key {
            case "name": name = try s.string()
            case "node_name": nodeName = try s.string()
            case "props": props = try s.optional(JSONScanner.stringMap)
            case "flags": flags = try s.optional(JSONScanner.strings)
            case "layer_object": layer = try s.optional(RestResourceLayer.init(scanning:))
            case "state":
                state = try s.optional { (s: inout JSONScanner) throws(JSONScanner.Failure) in
                    var inUse: Bool?
                    try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
                        if key == "in_use" { inUse = try s.optionalBool() } else { try s.skip() }
                    }
                    return State(inUse: inUse)
                }
            case "create_timestamp": created = try s.optionalInt64()
            case "volumes": volumes = try s.optional { (s: inout JSONScanner) throws(JSONScanner.Failure) in try s.list(RestVolume.init(scanning:)) }
            default: try s.skip()
            }
        }
        guard let name, let nodeName else {
            throw JSONScanner.Failure(offset: start, reason: "a resource without \(name == nil ? "'name'" : "'node_name'")")
        }
        self.init(name: name, nodeName: nodeName, props: props, flags: flags, layerObject: layer, state: state,
                  createTimestamp: created, volumes: volumes)
    }
}

extension RestResourceLayer {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var type: String?, children: [RestResourceLayer]?, drbd: Drbd?
        try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            switch key {
            case "type": type = try s.optionalString()
            case "children": children = try s.optional { (s: inout JSONScanner) throws(JSONScanner.Failure) in try s.list(RestResourceLayer.init(scanning:)) }
            case "drbd": drbd = try s.optional(Drbd.init(scanning:))
            default: try s.skip()
            }
        }
        self.init(type: type, children: children, drbd: drbd)
    }
}

extension RestResourceLayer.Drbd {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var nodeId: Int?, ports: [Int]?, connections: [String: RestResourceLayer.Connection]?
        try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            switch key {
            case "node_id": nodeId = try s.optionalInt()
            case "tcp_ports": ports = try s.optional { (s: inout JSONScanner) throws(JSONScanner.Failure) in try s.list { (s: inout JSONScanner) throws(JSONScanner.Failure) in try s.int() } }
            case "connections":
                connections = try s.optional { (s: inout JSONScanner) throws(JSONScanner.Failure) in
                    try s.map { (s: inout JSONScanner) throws(JSONScanner.Failure) in
                        var connected: Bool?, message: String?
                        try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
                            switch key {
                            case "connected": connected = try s.optionalBool()
                            case "message": message = try s.optionalString()
                            default: try s.skip()
                            }
                        }
                        return RestResourceLayer.Connection(connected: connected, message: message)
                    }
                }
            default: try s.skip()
            }
        }
        self.init(nodeId: nodeId, tcpPorts: ports, connections: connections)
    }
}

extension RestVolume {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var number: Int?, pool: String?, provider: String?, device: String?, allocated: Int64?
        var state: State?, layers: [Layer]?
        try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            switch key {
            case "volume_number": number = try s.optionalInt()
            case "storage_pool_name": pool = try s.optionalString()
            case "provider_kind": provider = try s.optionalString()
            case "device_path": device = try s.optionalString()
            case "allocated_size_kib": allocated = try s.optionalInt64()
            case "state": state = try s.optional(State.init(scanning:))
            case "layer_data_list": layers = try s.optional { (s: inout JSONScanner) throws(JSONScanner.Failure) in try s.list(Layer.init(scanning:)) }
            default: try s.skip()
            }
        }
        self.init(volumeNumber: number, storagePoolName: pool, providerKind: provider, devicePath: device,
                  allocatedSizeKib: allocated, state: state, layerDataList: layers)
    }
}

extension RestVolume.State {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var disk: String?, replication: [String: RestVolume.Replication]?
        try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            switch key {
            case "disk_state": disk = try s.optionalString()
            case "replication_states":
                replication = try s.optional { (s: inout JSONScanner) throws(JSONScanner.Failure) in
                    try s.map { (s: inout JSONScanner) throws(JSONScanner.Failure) in
                        var state: String?, done: Double?
                        try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
                            switch key {
                            case "replication_state": state = try s.optionalString()
                            case "done_percentage": done = try s.optionalDouble()
                            default: try s.skip()
                            }
                        }
                        return RestVolume.Replication(replicationState: state, donePercentage: done)
                    }
                }
            default: try s.skip()
            }
        }
        self.init(diskState: disk, replicationStates: replication)
    }
}

extension RestVolume.Layer {
    init(scanning s: inout JSONScanner) throws(JSONScanner.Failure) {
        var type: String?, data: Payload?
        try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            switch key {
            case "type": type = try s.optionalString()
            case "data":
                data = try s.optional { (s: inout JSONScanner) throws(JSONScanner.Failure) in
                    var definition: DrbdVolumeDefinition?, device: String?
                    try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
                        switch key {
                        case "drbd_volume_definition":
                            definition = try s.optional { (s: inout JSONScanner) throws(JSONScanner.Failure) in
                                var number: Int?, minor: Int?
                                try s.object { (s: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
                                    switch key {
                                    case "volume_number": number = try s.optionalInt()
                                    case "minor_number": minor = try s.optionalInt()
                                    default: try s.skip()
                                    }
                                }
                                return DrbdVolumeDefinition(volumeNumber: number, minorNumber: minor)
                            }
                        case "device_path": device = try s.optionalString()
                        default: try s.skip()
                        }
                    }
                    return Payload(drbdVolumeDefinition: definition, devicePath: device)
                }
            default: try s.skip()
            }
        }
        self.init(type: type, data: data)
    }
}
