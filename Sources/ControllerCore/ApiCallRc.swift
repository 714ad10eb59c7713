// LINSTOR's ApiCallRc: every mutating REST call answers with a list of these. `ret_code` is a
// bit field (linstor-common consts.json): severity in bits 62–63, operation in bits 24–25,
// object kind in bits 18–22, the specific code in bits 0–14. Clients test the masks, so the
// values below are LINSTOR's own.

public struct ApiCallRc: Sendable, Equatable {
    public var retCode: Int64
    public var message: String
    public var cause: String?
    public var details: String?
    public var correction: String?
    public var objRefs: [String: String]

    public init(retCode: Int64, message: String, cause: String? = nil, details: String? = nil,
                correction: String? = nil, objRefs: [String: String] = [:]) {
        self.retCode = retCode; self.message = message; self.cause = cause
        self.details = details; self.correction = correction; self.objRefs = objRefs
    }

    public var isError: Bool { UInt64(bitPattern: retCode) & RcMask.severity == RcMask.error }
    public var isWarning: Bool { UInt64(bitPattern: retCode) & RcMask.severity == RcMask.warn }
    /// The code in bits 0–14 (e.g. 300 for "node not found").
    public var code: Int { Int(UInt64(bitPattern: retCode) & 0x7FFF) }
}

public enum RcMask {
    public static let severity: UInt64 = 0xC000_0000_0000_0000
    public static let error: UInt64 = 0xC000_0000_0000_0000
    public static let warn: UInt64 = 0x8000_0000_0000_0000
    public static let info: UInt64 = 0x4000_0000_0000_0000
}

/// What was being done when a code was produced (bits 24–25).
public enum RcOperation: UInt64, Sendable {
    case none = 0, create = 0x0100_0000, modify = 0x0200_0000, delete = 0x0300_0000
}

/// Which kind of object a code is about (bits 18–22).
public enum RcObject: UInt64, Sendable {
    case none = 0
    case node = 0x3C_0000, resourceDefinition = 0x38_0000, resource = 0x34_0000
    case volumeDefinition = 0x30_0000, volume = 0x2C_0000, netInterface = 0x1C_0000
    case storagePoolDefinition = 0x18_0000, storagePool = 0x14_0000, controllerConfig = 0x10_0000
    case resourceGroup = 0x44_0000, volumeGroup = 0x48_0000
}

/// The specific codes Tandem produces (bits 0–14), named as in LINSTOR.
public enum RcCode: UInt64, Sendable {
    case created = 1, deleted = 2, modified = 3
    case invalidNodeName = 200, invalidNodeType = 201, invalidResourceName = 202, invalidNodeId = 204
    case invalidVolumeNumber = 205, invalidVolumeSize = 206, invalidMinor = 207, invalidStoragePoolName = 208
    case invalidNetName = 209, invalidNetAddress = 210, invalidNetPort = 211, invalidNetType = 212
    case invalidProperty = 213, invalidTcpPort = 215, invalidPlaceCount = 219, invalidStorageDriver = 221
    case invalidLayerKind = 224, invalidLayerStack = 225, invalidProvider = 227
    case nodeHasUsedResources = 233, invalidRequest = 234, invalidResourceGroupName = 237
    case notFoundNode = 300, notFoundResourceDefinition = 301, notFoundResource = 302, notFoundVolumeDefinition = 303
    case notFoundStoragePoolDefinition = 309, notFoundStoragePool = 310, notFoundResourceGroup = 317, notFoundVolumeGroup = 318
    case existsNode = 500, existsResourceDefinition = 501, existsResource = 502, existsVolumeDefinition = 503
    case existsStoragePool = 510, existsResourceGroup = 522, existsVolumeGroup = 523
    case missingProps = 600
    case poolExhaustedVolumeNumber = 800, poolExhaustedMinor = 801, poolExhaustedTcpPort = 802, poolExhaustedNodeId = 803
    case notEnoughFreeSpace = 980, notConnected = 995, notEnoughNodes = 996, inUse = 997, unknownError = 998, implementationError = 999
    case warnNotConnected = 1002
}

extension ApiCallRc {
    static func compose(_ severity: UInt64, _ op: RcOperation, _ object: RcObject, _ code: RcCode) -> Int64 {
        Int64(bitPattern: severity | op.rawValue | object.rawValue | code.rawValue)
    }

    public static func success(_ op: RcOperation, _ object: RcObject, _ code: RcCode, _ message: String,
                               details: String? = nil, objRefs: [String: String] = [:]) -> ApiCallRc {
        ApiCallRc(retCode: compose(0, op, object, code), message: message, details: details, objRefs: objRefs)
    }

    public static func info(_ op: RcOperation, _ object: RcObject, _ code: RcCode, _ message: String,
                            details: String? = nil, objRefs: [String: String] = [:]) -> ApiCallRc {
        ApiCallRc(retCode: compose(RcMask.info, op, object, code), message: message, details: details, objRefs: objRefs)
    }

    public static func warning(_ op: RcOperation, _ object: RcObject, _ code: RcCode, _ message: String,
                               cause: String? = nil, details: String? = nil, objRefs: [String: String] = [:]) -> ApiCallRc {
        ApiCallRc(retCode: compose(RcMask.warn, op, object, code), message: message, cause: cause, details: details, objRefs: objRefs)
    }

    public static func error(_ op: RcOperation, _ object: RcObject, _ code: RcCode, _ message: String,
                             cause: String? = nil, details: String? = nil, correction: String? = nil,
                             objRefs: [String: String] = [:]) -> ApiCallRc {
        ApiCallRc(retCode: compose(RcMask.error, op, object, code), message: message, cause: cause,
                  details: details, correction: correction, objRefs: objRefs)
    }

    /// LINSTOR's API_CALL_PARSE_ERROR: the request body could not be read.
    public static func parseError(_ message: String, details: String? = nil) -> ApiCallRc {
        ApiCallRc(retCode: Int64(bitPattern: RcMask.error | 0x0FFF_FFFF_FFFF_FFFD), message: message, details: details)
    }
}

/// A request that cannot be carried out. Thrown by every operation before it changes anything.
public struct ApiError: Error, Sendable, CustomStringConvertible {
    public var rcs: [ApiCallRc]
    public init(_ rc: ApiCallRc) { rcs = [rc] }
    public init(rcs: [ApiCallRc]) { self.rcs = rcs }
    public var description: String { rcs.map(\.message).joined(separator: "; ") }

    public static func make(_ op: RcOperation, _ object: RcObject, _ code: RcCode, _ message: String,
                            cause: String? = nil, details: String? = nil, correction: String? = nil) -> ApiError {
        ApiError(.error(op, object, code, message, cause: cause, details: details, correction: correction))
    }
}
