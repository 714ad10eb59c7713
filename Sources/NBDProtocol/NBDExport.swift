import NIOCore

// The interface between an NBD server and what it serves, shared by the server (which calls
// it), the client (which is itself an export, so a remote export can be served or attached
// again) and every export implementation. It lives here so the client needs only NBDProtocol.

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
    /// The data of a READ if it is available right now without waiting (the page cache holds it
    /// and the read is small), read on the calling event loop thread; nil sends the READ through
    /// `execute`. The server then replies in the same event loop tick without creating a future,
    /// which is most of the CPU a cached 4 KiB read costs. Default: nil.
    func readImmediately(offset: UInt64, length: Int) -> ByteBuffer?
    /// For a large READ: an open descriptor of a file that holds exactly these bytes at the same
    /// offset, returned only when all of them are in the page cache now, so that sending them
    /// with sendfile(2) never waits for the disk. The server then sends the data without copying
    /// it through user space. The descriptor must stay open while this handle is open (the server
    /// duplicates it for the connection). nil: the server uses `execute`. Default: nil.
    func pageCacheFile(offset: UInt64, length: Int) -> Int32?
    /// `execute` with the outcome reported to `sink` on `eventLoop`, possibly before this
    /// returns. An export that completes on the connection's own loop (the engine's writes) then
    /// spares every request a promise, its futures and a closure of its own. Default: through
    /// `execute`'s future (any error other than NBDExportError becomes EIO).
    func execute(_ command: NBDCommand, on eventLoop: any EventLoop, reportingTo sink: any NBDCommandSink)
}

/// Where an `NBDEventLoopExport` reports each command's outcome, on the connection's event loop:
/// one object per connection for all of its requests, where a closure per request cost an
/// allocation (and a retain of everything it captured) for every request.
public protocol NBDCommandSink: AnyObject, Sendable {
    func commandFinished(_ command: NBDCommand, _ result: Result<ByteBuffer?, NBDExportError>)
}

extension NBDEventLoopExport {
    public func readImmediately(offset: UInt64, length: Int) -> ByteBuffer? { nil }
    public func pageCacheFile(offset: UInt64, length: Int) -> Int32? { nil }
    public func execute(_ command: NBDCommand, on eventLoop: any EventLoop, reportingTo sink: any NBDCommandSink) {
        execute(command, on: eventLoop).whenComplete { outcome in
            sink.commandFinished(command, outcome.mapError { $0 as? NBDExportError ?? .io("\($0)") })
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
