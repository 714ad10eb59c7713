import NIOCore

/// A transmission request header. The WRITE payload travels separately (see `NBDClientMessage`).
public struct NBDRequest: Sendable, Hashable {
    public var flags: NBDCommandFlags
    public var type: NBDCommandType
    /// Opaque to the server ("handle" in older spec versions); echoed in the reply.
    public var cookie: UInt64
    public var offset: UInt64
    public var length: UInt32

    public init(flags: NBDCommandFlags = [], type: NBDCommandType, cookie: UInt64, offset: UInt64, length: UInt32) {
        self.flags = flags
        self.type = type
        self.cookie = cookie
        self.offset = offset
        self.length = length
    }
}

extension ByteBuffer {
    /// Writes a request header; for WRITE the caller appends exactly `length` payload bytes.
    public mutating func writeNBDRequest(_ request: NBDRequest) {
        writeInteger(NBDMagic.request)
        writeInteger(request.flags.rawValue)
        writeInteger(request.type.rawValue)
        writeInteger(request.cookie)
        writeInteger(request.offset)
        writeInteger(request.length)
    }

    /// The client's answer to the greeting.
    public mutating func writeNBDClientFlags(_ flags: NBDClientFlags) {
        writeInteger(flags.rawValue)
    }

    /// An option as the client frames it.
    public mutating func writeNBDOption(_ option: NBDOptionRequest) {
        writeInteger(NBDMagic.option)
        writeInteger(option.code.rawValue)
        writeInteger(UInt32(option.data.readableBytes))
        writeImmutableBuffer(option.data)
    }
}
