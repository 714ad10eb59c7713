import NIOCore

/// A simple reply header; for a successful READ without structured replies the data follows.
public struct NBDSimpleReply: Sendable, Hashable {
    public var error: NBDErrorCode
    public var cookie: UInt64
    public init(error: NBDErrorCode, cookie: UInt64) {
        self.error = error
        self.cookie = cookie
    }
}

/// One chunk of a structured reply.
public struct NBDStructuredReplyChunk: Sendable, Hashable {
    public enum Payload: Sendable, Hashable {
        case none
        case offsetData(offset: UInt64, data: ByteBuffer)
        case offsetHole(offset: UInt64, length: UInt32)
        case error(NBDErrorCode, message: String)
        case errorOffset(NBDErrorCode, message: String, offset: UInt64)
        case unknown(NBDStructuredReplyType, ByteBuffer)

        public var type: NBDStructuredReplyType {
            switch self {
            case .none: .none
            case .offsetData: .offsetData
            case .offsetHole: .offsetHole
            case .error: .error
            case .errorOffset: .errorOffset
            case let .unknown(type, _): type
            }
        }
    }

    public var flags: NBDReplyFlags
    public var cookie: UInt64
    public var payload: Payload

    public init(flags: NBDReplyFlags, cookie: UInt64, payload: Payload) {
        self.flags = flags
        self.cookie = cookie
        self.payload = payload
    }
}

extension ByteBuffer {
    /// The server's first 18 bytes.
    public mutating func writeNBDGreeting(_ flags: NBDHandshakeFlags) {
        writeInteger(NBDMagic.initPassword)
        writeInteger(NBDMagic.option)
        writeInteger(flags.rawValue)
    }

    /// The successful answer to NBD_OPT_EXPORT_NAME (not an option reply).
    public mutating func writeNBDExportNameReply(size: UInt64, flags: NBDTransmissionFlags, zeroes: Bool) {
        writeInteger(size)
        writeInteger(flags.rawValue)
        if zeroes { writeRepeatingByte(0, count: NBDWireSize.exportNameReplyZeroes) }
    }

    /// A simple reply header; READ data, if any, is appended by the caller.
    public mutating func writeNBDSimpleReply(_ reply: NBDSimpleReply) {
        writeInteger(NBDMagic.simpleReply)
        writeInteger(reply.error.rawValue)
        writeInteger(reply.cookie)
    }

    /// Header of a structured chunk whose payload (of `payloadLength` bytes) the caller appends;
    /// lets a READ send its data buffer without copying it into the header buffer.
    public mutating func writeNBDStructuredReplyHeader(flags: NBDReplyFlags, type: NBDStructuredReplyType, cookie: UInt64, payloadLength: UInt32) {
        writeInteger(NBDMagic.structuredReply)
        writeInteger(flags.rawValue)
        writeInteger(type.rawValue)
        writeInteger(cookie)
        writeInteger(payloadLength)
    }

    /// A complete structured chunk.
    public mutating func writeNBDStructuredReplyChunk(_ chunk: NBDStructuredReplyChunk) {
        writeInteger(NBDMagic.structuredReply)
        writeInteger(chunk.flags.rawValue)
        writeInteger(chunk.payload.type.rawValue)
        writeInteger(chunk.cookie)
        let lengthIndex = writerIndex
        writeInteger(UInt32(0))
        let start = writerIndex
        switch chunk.payload {
        case .none:
            break
        case let .offsetData(offset, data):
            writeInteger(offset)
            writeImmutableBuffer(data)
        case let .offsetHole(offset, length):
            writeInteger(offset)
            writeInteger(length)
        case let .error(code, message):
            let text = Self.truncatedToSpecLimit(message)
            writeInteger(code.rawValue)
            writeInteger(UInt16(text.utf8.count))
            writeString(text)
        case let .errorOffset(code, message, offset):
            let text = Self.truncatedToSpecLimit(message)
            writeInteger(code.rawValue)
            writeInteger(UInt16(text.utf8.count))
            writeString(text)
            writeInteger(offset)
        case let .unknown(_, bytes):
            writeImmutableBuffer(bytes)
        }
        setInteger(UInt32(writerIndex - start), at: lengthIndex)
    }
}

extension NBDStructuredReplyChunk.Payload {
    static func parse(type: NBDStructuredReplyType, data: ByteBuffer) throws(NBDProtocolError) -> Self {
        var data = data
        switch type {
        case .none:
            guard data.readableBytes == 0 else { throw .malformed("NBD_REPLY_TYPE_NONE with payload") }
            return .none
        case .offsetData:
            guard let offset = data.readInteger(as: UInt64.self), data.readableBytes > 0 else {
                throw .malformed("NBD_REPLY_TYPE_OFFSET_DATA shorter than 9 bytes")
            }
            return .offsetData(offset: offset, data: data)
        case .offsetHole:
            guard data.readableBytes == 12 else { throw .malformed("NBD_REPLY_TYPE_OFFSET_HOLE must be 12 bytes") }
            return .offsetHole(offset: data.readInteger()!, length: data.readInteger()!)
        case .error, .errorOffset:
            guard let code = data.readInteger(as: UInt32.self), let length = data.readInteger(as: UInt16.self),
                  let textBytes = data.readSlice(length: Int(length)),
                  let text = NBDOptionRequest.validString(textBytes.readableBytesView) else {
                throw .malformed("structured error chunk with a bad message length or encoding")
            }
            if type == .error {
                guard data.readableBytes == 0 else { throw .malformed("NBD_REPLY_TYPE_ERROR with trailing bytes") }
                return .error(NBDErrorCode(rawValue: code), message: text)
            }
            guard data.readableBytes == 8 else { throw .malformed("NBD_REPLY_TYPE_ERROR_OFFSET without its offset") }
            return .errorOffset(NBDErrorCode(rawValue: code), message: text, offset: data.readInteger()!)
        default:
            return .unknown(type, data)
        }
    }
}
