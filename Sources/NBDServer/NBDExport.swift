import NBDProtocol
import NIOCore

/// What an export can do; decides the transmission flags a client sees. The server never
/// advertises a feature the export does not list, and refuses commands for unlisted ones.
public struct NBDExportFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// Every write command fails with NBD_EPERM.
    public static let readOnly = NBDExportFeatures(rawValue: 1 << 0)
    public static let flush = NBDExportFeatures(rawValue: 1 << 1)
    public static let fua = NBDExportFeatures(rawValue: 1 << 2)
    public static let trim = NBDExportFeatures(rawValue: 1 << 3)
    public static let writeZeroes = NBDExportFeatures(rawValue: 1 << 4)
    /// FLUSH and FUA on one connection are visible on all others when answered (no private cache).
    public static let multiConn = NBDExportFeatures(rawValue: 1 << 5)
    public static let rotational = NBDExportFeatures(rawValue: 1 << 6)

    /// What a disk-backed export normally supports.
    public static let standard: NBDExportFeatures = [.flush, .fua, .trim, .writeZeroes, .multiConn]

    /// The transmission flags announcing these features.
    public var transmissionFlags: NBDTransmissionFlags {
        var flags: NBDTransmissionFlags = [.hasFlags]
        if contains(.readOnly) { flags.insert(.readOnly) }
        if contains(.flush) { flags.insert(.sendFlush) }
        if contains(.fua) { flags.insert(.sendFUA) }
        if contains(.trim) { flags.insert(.sendTrim) }
        if contains(.writeZeroes) { flags.insert(.sendWriteZeroes) }
        if contains(.multiConn) { flags.insert(.canMultiConn) }
        if contains(.rotational) { flags.insert(.rotational) }
        return flags
    }
}

/// Size and features of an export, as NBD_OPT_INFO and NBD_OPT_LIST report them.
public struct NBDExportDescription: Sendable, Hashable {
    public var size: UInt64
    public var features: NBDExportFeatures
    /// Free text shown by `nbdinfo --list` (NBD_INFO_DESCRIPTION / NBD_REP_SERVER).
    public var text: String

    public init(size: UInt64, features: NBDExportFeatures, text: String = "") {
        self.size = size
        self.features = features
        self.text = text
    }
}

/// An export opened by one client connection. The server calls these methods only with ranges
/// it has checked against `size` and lengths within the advertised maximum, and only for
/// features listed in `features`. Calls may overlap (the connection pipelines requests); an
/// implementation that needs ordering must provide it. FLUSH must cover every write that has
/// completed before it was called.
public protocol NBDExport: Sendable {
    var size: UInt64 { get }
    var features: NBDExportFeatures { get }
    /// Returns exactly `length` bytes.
    func read(offset: UInt64, length: Int) async throws -> ByteBuffer
    /// With `fua`, returns only when the data is on stable storage.
    func write(offset: UInt64, data: ByteBuffer, fua: Bool) async throws
    /// Returns when every write completed so far is on stable storage.
    func flush() async throws
    /// A hint: the range's content is undefined afterwards until rewritten.
    func trim(offset: UInt64, length: Int, fua: Bool) async throws
    /// The range reads back as zeroes afterwards; `mayPunchHoles` is false when the client sent
    /// NBD_CMD_FLAG_NO_HOLE and wants the space to stay allocated.
    func writeZeroes(offset: UInt64, length: Int, fua: Bool, mayPunchHoles: Bool) async throws
    /// The connection that opened this handle has ended (after its last request finished).
    /// The engine uses this as "last close" (e.g. to allow demotion).
    func close() async
}

/// An export that can run a command straight from the event loop and complete a future there.
/// The server prefers this path when an export offers it: a thread-pool export (the file export)
/// then costs two thread hops per request instead of the four an async call takes (loop → task
/// → pool → task → loop), which is most of the per-request latency at queue depth 1.
public protocol NBDEventLoopExport: NBDExport {
    /// Same contract as the async methods; the future's value is the READ data or nil.
    func execute(_ command: NBDCommand, on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?>
}

/// Who opens an export (for logs and for refusal messages).
public struct NBDClientIdentity: Sendable, Hashable, CustomStringConvertible {
    public var remoteAddress: String
    public init(remoteAddress: String) { self.remoteAddress = remoteAddress }
    public var description: String { remoteAddress }
}

/// A named export in the registry. `open` is called once per client connection that selects it
/// (NBD_OPT_GO or NBD_OPT_EXPORT_NAME); `describe` answers NBD_OPT_INFO and LIST without opening.
public protocol NBDExportSource: Sendable {
    func describe() async throws -> NBDExportDescription
    /// Throw `NBDOpenRefusal` to refuse with a reason the client sees (NBD_REP_ERR_POLICY with
    /// the message for GO; for the old EXPORT_NAME the connection is closed, as the spec demands).
    /// Return an export without `.readOnly` only if this connection may write: this is where the
    /// engine refuses a writer on a second node.
    func open(for client: NBDClientIdentity) async throws -> any NBDExport
}

/// An export refused to open, with the reason to tell the client.
public struct NBDOpenRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// Not allowed now (e.g. another node is Primary): NBD_REP_ERR_POLICY.
        case policy
        /// The export cannot serve (e.g. its backing disk failed): NBD_REP_ERR_PLATFORM.
        case unavailable
        /// The server or export is shutting down: NBD_REP_ERR_SHUTDOWN.
        case shuttingDown
    }
    public var kind: Kind
    public var reason: String
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }
    public var description: String { reason }

    var replyType: NBDOptionReplyType {
        switch kind {
        case .policy: .errPolicy
        case .unavailable: .errPlatform
        case .shuttingDown: .errShutdown
        }
    }
}

/// An error an export reports for one command; its code goes to the client, and its message too
/// when structured replies are in use. Any other error thrown by an export becomes NBD_EIO.
public struct NBDExportError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: NBDErrorCode
    public var message: String
    public init(_ code: NBDErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(code): \(message)" }

    public static func io(_ message: String) -> Self { Self(.ioError, message) }
    public static func permissionDenied(_ message: String) -> Self { Self(.permissionDenied, message) }
    public static func noSpace(_ message: String) -> Self { Self(.noSpace, message) }
    public static func shuttingDown(_ message: String) -> Self { Self(.shutdown, message) }

    /// Maps a POSIX errno to the NBD error the spec prescribes (EDQUOT/EFBIG become ENOSPC).
    public static func fromErrno(_ errnoValue: Int32, _ what: String) -> Self {
        let code: NBDErrorCode
        switch errnoValue {
        case 1, 13, 30: code = .permissionDenied  // EPERM, EACCES, EROFS
        case 12: code = .outOfMemory
        case 22: code = .invalid
        case 28, 122, 27: code = .noSpace          // ENOSPC, EDQUOT, EFBIG
        case 75: code = .overflow
        case 95: code = .notSupported
        case 108: code = .shutdown
        default: code = .ioError
        }
        return Self(code, "\(what): errno \(errnoValue)")
    }
}
