import NIOCore

/// What an application (NBD client) asks of the volume.
public enum ClientOperation: Sendable, Equatable {
    case read
    /// The bytes to write (readable bytes == `lengthBytes`): the NBD request's own buffer, which
    /// reaches the disk and every peer's link without being copied.
    case write(ByteBuffer)
    /// Make every completed write durable on every replica counted for durability.
    case flush
    /// Discard; replicas read back zeros afterwards (the shell must guarantee that).
    case trim
    case writeZeroes
}

public struct ClientRequest: Sendable, Equatable {
    public var id: ClientRequestID
    public var operation: ClientOperation
    public var offsetBytes: UInt64
    public var lengthBytes: UInt32
    /// Force unit access: complete only when durable (on every replica counted for durability).
    public var fua: Bool

    public init(id: ClientRequestID, operation: ClientOperation, offsetBytes: UInt64 = 0,
                lengthBytes: UInt32 = 0, fua: Bool = false) {
        self.id = id
        self.operation = operation
        self.offsetBytes = offsetBytes
        self.lengthBytes = lengthBytes
        self.fua = fua
    }
}

/// Why a client request failed. `code` maps 1:1 to NBD error values (`nbdErrno`).
public struct ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// I/O error: no replica could serve or store it, or quorum lost with io-error.
        case io
        /// Not allowed: this node is not Primary and cannot become it (another node is Primary,
        /// data not UpToDate, no quorum…).
        case notPermitted
        /// Malformed: beyond the end of the volume, too long, wrong data length.
        case invalid
        /// Too many requests in flight.
        case busy
    }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
    /// The NBD error value (proto.md: EPERM 1, EIO 5, EINVAL 22, ENOMEM 12 for busy).
    public var nbdErrno: UInt32 {
        switch code {
        case .notPermitted: return 1
        case .io: return 5
        case .invalid: return 22
        case .busy: return 12
        }
    }
    public var description: String { message }
}

public enum ClientResult: Sendable, Equatable {
    /// Write/flush/trim/zeroes done with the durability the protocol promises.
    case done
    /// Read data, count == requested length.
    case data([UInt8])
    case failed(ClientError)
}

public struct ClientCompletion: Sendable, Equatable {
    public var id: ClientRequestID
    public var result: ClientResult
    public init(id: ClientRequestID, result: ClientResult) {
        self.id = id
        self.result = result
    }
}
