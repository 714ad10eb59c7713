import ControllerCore
import TandemModel

/// Typed access to a JSON object from a request body. Every accessor treats a missing field and
/// `null` alike (LINSTOR's clients send `null` for unset options) and throws an ApiError that
/// names the field when the type is wrong.
struct RequestBody {
    let fields: [String: JSONValue]
    /// Where this object sits in the request, for messages ("select_filter.place_count").
    let path: String

    static let parseErrorCode = ApiCallRc.parseError("").retCode

    static func parse(_ bytes: [UInt8]) throws(ApiError) -> JSONValue {
        if bytes.isEmpty { throw ApiError(.parseError("Unable to parse input json.", details: "The request body is empty; a JSON document is required.")) }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw ApiError(.parseError("Unable to parse input json.", details: "The request body is not valid JSON: \(error)."))
        }
    }

    static func object(_ bytes: [UInt8]) throws(ApiError) -> RequestBody {
        let v = try parse(bytes)
        guard case .object(let o) = v else { throw wrongType("the request body", expected: "a JSON object", got: v) }
        return RequestBody(fields: o, path: "")
    }

    static func wrongType(_ what: String, expected: String, got: JSONValue) -> ApiError {
        ApiError(.parseError("Unable to parse input json.", details: "\(what) must be \(expected), not \(got.typeName)."))
    }

    func name(_ key: String) -> String { path.isEmpty ? "field '\(key)'" : "field '\(path).\(key)'" }

    func value(_ key: String) -> JSONValue? {
        guard let v = fields[key], v != .null else { return nil }
        return v
    }

    func string(_ key: String) throws(ApiError) -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw Self.wrongType(name(key), expected: "a string", got: v) }
        return s
    }

    func requiredString(_ key: String) throws(ApiError) -> String {
        guard let s = try string(key) else {
            throw ApiError(.parseError("Unable to parse input json.", details: "\(name(key)) is required."))
        }
        return s
    }

    func int(_ key: String) throws(ApiError) -> Int64? {
        guard let v = value(key) else { return nil }
        guard case .number(_, let integer) = v, let integer else { throw Self.wrongType(name(key), expected: "a whole number", got: v) }
        return integer
    }

    func smallInt(_ key: String) throws(ApiError) -> Int? {
        guard let n = try int(key) else { return nil }
        guard n >= Int64(Int32.min), n <= Int64(Int32.max) else {
            throw ApiError(.parseError("Unable to parse input json.", details: "\(name(key)) is out of range: \(n)."))
        }
        return Int(n)
    }

    func bool(_ key: String) throws(ApiError) -> Bool? {
        guard let v = value(key) else { return nil }
        switch v {
        case .bool(let b): return b
        // python-linstor sometimes sends booleans as strings ("true"/"false") in option maps.
        case .string(let s) where ["true", "false"].contains(s.lowercased()): return s.lowercased() == "true"
        default: throw Self.wrongType(name(key), expected: "true or false", got: v)
        }
    }

    func strings(_ key: String) throws(ApiError) -> [String]? {
        guard let v = value(key) else { return nil }
        guard case .array(let items) = v else { throw Self.wrongType(name(key), expected: "an array of strings", got: v) }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw Self.wrongType("each entry of \(name(key))", expected: "a string", got: item) }
            out.append(s)
        }
        return out
    }

    func stringMap(_ key: String) throws(ApiError) -> [String: String]? {
        guard let v = value(key) else { return nil }
        guard case .object(let o) = v else { throw Self.wrongType(name(key), expected: "an object of string values", got: v) }
        var out: [String: String] = [:]
        for (k, item) in o {
            switch item {
            case .string(let s): out[k] = s
            // Values are strings in LINSTOR; accept numbers and booleans as their text.
            case .number(let d, let i): out[k] = i.map(String.init) ?? String(d)
            case .bool(let b): out[k] = b ? "true" : "false"
            default: throw Self.wrongType("\(name(key))['\(k)']", expected: "a string", got: item)
            }
        }
        return out
    }

    func object(_ key: String) throws(ApiError) -> RequestBody? {
        guard let v = value(key) else { return nil }
        guard case .object(let o) = v else { throw Self.wrongType(name(key), expected: "an object", got: v) }
        return RequestBody(fields: o, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func array(_ key: String) throws(ApiError) -> [JSONValue]? {
        guard let v = value(key) else { return nil }
        guard case .array(let a) = v else { throw Self.wrongType(name(key), expected: "an array", got: v) }
        return a
    }

    /// override_props / delete_props / delete_namespaces of a modify call.
    func propsChange() throws(ApiError) -> PropsChange {
        PropsChange(override: try stringMap("override_props") ?? [:], delete: try strings("delete_props") ?? [],
                    deleteNamespaces: try strings("delete_namespaces") ?? [])
    }

    func sizeKiB(_ key: String) throws(ApiError) -> UInt64? {
        guard let n = try int(key) else { return nil }
        guard n > 0 else {
            throw ApiError(.error(.none, .volumeDefinition, .invalidVolumeSize, "The volume size must be greater than 0 KiB, not \(n).",
                                  details: "\(name(key)) = \(n)"))
        }
        return UInt64(n)
    }

    /// LINSTOR's AutoSelectFilter.
    func selectFilter() throws(ApiError) -> AutoSelectFilter {
        var f = AutoSelectFilter()
        f.placeCount = try smallInt("place_count")
        f.additionalPlaceCount = try smallInt("additional_place_count")
        f.nodeNames = try strings("node_name_list")
        f.storagePools = try strings("storage_pool_list")
        if f.storagePools == nil, let single = try string("storage_pool") { f.storagePools = [single] }
        if f.storagePools == [""] { f.storagePools = nil }
        f.disklessStoragePools = try strings("storage_pool_diskless_list")
        f.notPlaceWithResources = try strings("not_place_with_rsc")
        f.notPlaceWithResourcesRegex = try string("not_place_with_rsc_regex")
        f.replicasOnSame = try strings("replicas_on_same")
        f.replicasOnDifferent = try strings("replicas_on_different")
        if let map = try object("x_replicas_on_different_map") {
            var x: [String: Int] = [:]
            for k in map.fields.keys { x[k] = try map.smallInt(k) }
            f.xReplicasOnDifferent = x
        }
        f.layerStack = try strings("layer_stack")
        if let providers = try strings("provider_list") {
            var kinds: [StorageProviderKind] = []
            for p in providers {
                guard let k = StorageProviderKind(rawValue: p.uppercased()) else {
                    throw ApiError(.error(.none, .storagePool, .invalidProvider, "Unknown storage provider '\(p)' in \(name("provider_list")).",
                                          details: "Known providers: \(StorageProviderKind.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
                kinds.append(k)
            }
            f.providers = kinds
        }
        f.disklessOnRemaining = try bool("diskless_on_remaining")
        f.disklessType = try string("diskless_type")
        return f
    }
}
