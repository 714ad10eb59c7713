// Numbered vocabularies of the protocol. Each is a struct over the raw value rather than an enum
// so that a value this code does not know survives decoding and can be answered precisely
// (NBD_REP_ERR_UNSUP for an unknown option, NBD_EINVAL for an unknown command).

/// Option codes sent during option haggling.
public struct NBDOptionCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let exportName = NBDOptionCode(rawValue: 1)
    public static let abort = NBDOptionCode(rawValue: 2)
    public static let list = NBDOptionCode(rawValue: 3)
    public static let peekExport = NBDOptionCode(rawValue: 4)
    public static let startTLS = NBDOptionCode(rawValue: 5)
    public static let info = NBDOptionCode(rawValue: 6)
    public static let go = NBDOptionCode(rawValue: 7)
    public static let structuredReply = NBDOptionCode(rawValue: 8)
    public static let listMetaContext = NBDOptionCode(rawValue: 9)
    public static let setMetaContext = NBDOptionCode(rawValue: 10)
    public static let extendedHeaders = NBDOptionCode(rawValue: 11)

    public var description: String {
        switch self {
        case .exportName: "NBD_OPT_EXPORT_NAME"
        case .abort: "NBD_OPT_ABORT"
        case .list: "NBD_OPT_LIST"
        case .peekExport: "NBD_OPT_PEEK_EXPORT"
        case .startTLS: "NBD_OPT_STARTTLS"
        case .info: "NBD_OPT_INFO"
        case .go: "NBD_OPT_GO"
        case .structuredReply: "NBD_OPT_STRUCTURED_REPLY"
        case .listMetaContext: "NBD_OPT_LIST_META_CONTEXT"
        case .setMetaContext: "NBD_OPT_SET_META_CONTEXT"
        case .extendedHeaders: "NBD_OPT_EXTENDED_HEADERS"
        default: "option \(rawValue)"
        }
    }
}

/// Reply types of option replies; errors have bit 31 set.
public struct NBDOptionReplyType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let ack = NBDOptionReplyType(rawValue: 1)
    public static let server = NBDOptionReplyType(rawValue: 2)
    public static let info = NBDOptionReplyType(rawValue: 3)
    public static let metaContext = NBDOptionReplyType(rawValue: 4)
    public static let errUnsupported = NBDOptionReplyType(rawValue: 1 << 31 | 1)
    public static let errPolicy = NBDOptionReplyType(rawValue: 1 << 31 | 2)
    public static let errInvalid = NBDOptionReplyType(rawValue: 1 << 31 | 3)
    public static let errPlatform = NBDOptionReplyType(rawValue: 1 << 31 | 4)
    public static let errTLSRequired = NBDOptionReplyType(rawValue: 1 << 31 | 5)
    public static let errUnknown = NBDOptionReplyType(rawValue: 1 << 31 | 6)
    public static let errShutdown = NBDOptionReplyType(rawValue: 1 << 31 | 7)
    public static let errBlockSizeRequired = NBDOptionReplyType(rawValue: 1 << 31 | 8)
    public static let errTooBig = NBDOptionReplyType(rawValue: 1 << 31 | 9)

    public var isError: Bool { rawValue & (1 << 31) != 0 }

    public var description: String {
        switch self {
        case .ack: "NBD_REP_ACK"
        case .server: "NBD_REP_SERVER"
        case .info: "NBD_REP_INFO"
        case .metaContext: "NBD_REP_META_CONTEXT"
        case .errUnsupported: "NBD_REP_ERR_UNSUP"
        case .errPolicy: "NBD_REP_ERR_POLICY"
        case .errInvalid: "NBD_REP_ERR_INVALID"
        case .errPlatform: "NBD_REP_ERR_PLATFORM"
        case .errTLSRequired: "NBD_REP_ERR_TLS_REQD"
        case .errUnknown: "NBD_REP_ERR_UNKNOWN"
        case .errShutdown: "NBD_REP_ERR_SHUTDOWN"
        case .errBlockSizeRequired: "NBD_REP_ERR_BLOCK_SIZE_REQD"
        case .errTooBig: "NBD_REP_ERR_TOO_BIG"
        default: "reply type \(rawValue)"
        }
    }
}

/// Information types inside NBD_REP_INFO and requested by NBD_OPT_INFO / NBD_OPT_GO.
public struct NBDInfoType: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let export = NBDInfoType(rawValue: 0)
    public static let name = NBDInfoType(rawValue: 1)
    public static let description = NBDInfoType(rawValue: 2)
    public static let blockSize = NBDInfoType(rawValue: 3)
}

/// Transmission command types.
public struct NBDCommandType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let read = NBDCommandType(rawValue: 0)
    public static let write = NBDCommandType(rawValue: 1)
    public static let disconnect = NBDCommandType(rawValue: 2)
    public static let flush = NBDCommandType(rawValue: 3)
    public static let trim = NBDCommandType(rawValue: 4)
    public static let cache = NBDCommandType(rawValue: 5)
    public static let writeZeroes = NBDCommandType(rawValue: 6)
    public static let blockStatus = NBDCommandType(rawValue: 7)
    public static let resize = NBDCommandType(rawValue: 8)

    public var description: String {
        switch self {
        case .read: "NBD_CMD_READ"
        case .write: "NBD_CMD_WRITE"
        case .disconnect: "NBD_CMD_DISC"
        case .flush: "NBD_CMD_FLUSH"
        case .trim: "NBD_CMD_TRIM"
        case .cache: "NBD_CMD_CACHE"
        case .writeZeroes: "NBD_CMD_WRITE_ZEROES"
        case .blockStatus: "NBD_CMD_BLOCK_STATUS"
        case .resize: "NBD_CMD_RESIZE"
        default: "command \(rawValue)"
        }
    }
}

/// Structured reply chunk types; errors have bit 15 set.
public struct NBDStructuredReplyType: RawRepresentable, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let none = NBDStructuredReplyType(rawValue: 0)
    public static let offsetData = NBDStructuredReplyType(rawValue: 1)
    public static let offsetHole = NBDStructuredReplyType(rawValue: 2)
    public static let blockStatus = NBDStructuredReplyType(rawValue: 5)
    public static let error = NBDStructuredReplyType(rawValue: 1 << 15 | 1)
    public static let errorOffset = NBDStructuredReplyType(rawValue: 1 << 15 | 2)
    public var isError: Bool { rawValue & (1 << 15) != 0 }
}

/// Error values in replies. They are NBD's own numbers (equal to Linux errno values), never the
/// host's errno passed through, so a reply means the same thing on every platform.
public struct NBDErrorCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let ok = NBDErrorCode(rawValue: 0)
    public static let permissionDenied = NBDErrorCode(rawValue: 1)      // NBD_EPERM
    public static let ioError = NBDErrorCode(rawValue: 5)               // NBD_EIO
    public static let outOfMemory = NBDErrorCode(rawValue: 12)          // NBD_ENOMEM
    public static let invalid = NBDErrorCode(rawValue: 22)              // NBD_EINVAL
    public static let noSpace = NBDErrorCode(rawValue: 28)              // NBD_ENOSPC
    public static let overflow = NBDErrorCode(rawValue: 75)             // NBD_EOVERFLOW
    public static let notSupported = NBDErrorCode(rawValue: 95)         // NBD_ENOTSUP
    public static let shutdown = NBDErrorCode(rawValue: 108)            // NBD_ESHUTDOWN

    public var description: String {
        switch self {
        case .ok: "success"
        case .permissionDenied: "NBD_EPERM"
        case .ioError: "NBD_EIO"
        case .outOfMemory: "NBD_ENOMEM"
        case .invalid: "NBD_EINVAL"
        case .noSpace: "NBD_ENOSPC"
        case .overflow: "NBD_EOVERFLOW"
        case .notSupported: "NBD_ENOTSUP"
        case .shutdown: "NBD_ESHUTDOWN"
        default: "NBD error \(rawValue)"
        }
    }
}
