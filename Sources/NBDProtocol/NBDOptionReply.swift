import NIOCore

/// One information item of an NBD_REP_INFO reply.
public enum NBDInfo: Sendable, Hashable {
    case export(size: UInt64, flags: NBDTransmissionFlags)
    case name(String)
    case description(String)
    case blockSize(minimum: UInt32, preferred: UInt32, maximum: UInt32)
    case unknown(NBDInfoType, ByteBuffer)

    public var type: NBDInfoType {
        switch self {
        case .export: .export
        case .name: .name
        case .description: .description
        case .blockSize: .blockSize
        case let .unknown(type, _): type
        }
    }
}

/// An option reply: which option it answers, its type and the typed payload.
public struct NBDOptionReply: Sendable, Hashable {
    public enum Payload: Sendable, Hashable {
        case none
        /// NBD_REP_SERVER: one export of a LIST.
        case server(name: String, description: String)
        case info(NBDInfo)
        /// Error replies carry an optional human-readable message.
        case message(String)
        case raw(ByteBuffer)
    }

    public var option: NBDOptionCode
    public var type: NBDOptionReplyType
    public var payload: Payload

    public init(option: NBDOptionCode, type: NBDOptionReplyType, payload: Payload = .none) {
        self.option = option
        self.type = type
        self.payload = payload
    }

    public static func ack(_ option: NBDOptionCode) -> Self { Self(option: option, type: .ack) }
    public static func error(_ option: NBDOptionCode, _ type: NBDOptionReplyType, _ message: String) -> Self {
        precondition(type.isError, "an error reply needs an error type")
        return Self(option: option, type: type, payload: .message(message))
    }
    public static func server(_ option: NBDOptionCode, name: String, description: String) -> Self {
        Self(option: option, type: .server, payload: .server(name: name, description: description))
    }
    public static func info(_ option: NBDOptionCode, _ info: NBDInfo) -> Self {
        Self(option: option, type: .info, payload: .info(info))
    }
}

extension ByteBuffer {
    /// Writes a complete option reply (header and data).
    public mutating func writeNBDOptionReply(_ reply: NBDOptionReply) {
        writeInteger(NBDMagic.optionReply)
        writeInteger(reply.option.rawValue)
        writeInteger(reply.type.rawValue)
        let lengthIndex = writerIndex
        writeInteger(UInt32(0))
        let start = writerIndex
        switch reply.payload {
        case .none:
            break
        case let .server(name, description):
            writeInteger(UInt32(name.utf8.count))
            writeString(name)
            writeString(description)
        case let .info(info):
            writeNBDInfo(info)
        case let .message(text):
            writeString(Self.truncatedToSpecLimit(text))
        case let .raw(bytes):
            writeImmutableBuffer(bytes)
        }
        setInteger(UInt32(writerIndex - start), at: lengthIndex)
    }

    mutating func writeNBDInfo(_ info: NBDInfo) {
        writeInteger(info.type.rawValue)
        switch info {
        case let .export(size, flags):
            writeInteger(size)
            writeInteger(flags.rawValue)
        case let .name(text), let .description(text):
            writeString(Self.truncatedToSpecLimit(text))
        case let .blockSize(minimum, preferred, maximum):
            writeInteger(minimum)
            writeInteger(preferred)
            writeInteger(maximum)
        case let .unknown(_, bytes):
            writeImmutableBuffer(bytes)
        }
    }

    /// Strings on the wire must not exceed 4096 bytes; cut on a character boundary.
    static func truncatedToSpecLimit(_ text: String) -> String {
        guard text.utf8.count > NBDLimits.stringBytesMax else { return text }
        var result = ""
        for character in text {
            if result.utf8.count + character.utf8.count > NBDLimits.stringBytesMax { break }
            result.append(character)
        }
        return result
    }
}

extension NBDOptionReply {
    /// Interprets the raw data of an option reply of the given type (client side).
    static func parsePayload(type: NBDOptionReplyType, data: ByteBuffer) throws(NBDProtocolError) -> Payload {
        var data = data
        if type.isError {
            guard let text = NBDOptionRequest.validString(data.readableBytesView) else {
                throw .malformed("error reply message is not valid UTF-8")
            }
            return text.isEmpty ? .none : .message(text)
        }
        switch type {
        case .ack:
            guard data.readableBytes == 0 else { throw .malformed("NBD_REP_ACK carries \(data.readableBytes) bytes of data") }
            return .none
        case .server:
            guard let length = data.readInteger(as: UInt32.self), let nameBytes = data.readSlice(length: Int(length)) else {
                throw .malformed("NBD_REP_SERVER name length exceeds the reply")
            }
            guard let name = NBDOptionRequest.validString(nameBytes.readableBytesView),
                  let description = NBDOptionRequest.validString(data.readableBytesView) else {
                throw .malformed("NBD_REP_SERVER name or description is not valid UTF-8")
            }
            return .server(name: name, description: description)
        case .info:
            return .info(try NBDInfo.parse(&data))
        default:
            return .raw(data)
        }
    }
}

extension NBDInfo {
    static func parse(_ data: inout ByteBuffer) throws(NBDProtocolError) -> NBDInfo {
        guard let raw = data.readInteger(as: UInt16.self) else { throw .malformed("NBD_REP_INFO shorter than its type") }
        let type = NBDInfoType(rawValue: raw)
        switch type {
        case .export:
            guard data.readableBytes == 10 else { throw .malformed("NBD_INFO_EXPORT must be 12 bytes") }
            let size = data.readInteger(as: UInt64.self)!
            let flags = data.readInteger(as: UInt16.self)!
            return .export(size: size, flags: NBDTransmissionFlags(rawValue: flags))
        case .name, .description:
            guard let text = NBDOptionRequest.validString(data.readableBytesView) else {
                throw .malformed("NBD_INFO_NAME/DESCRIPTION is not valid UTF-8")
            }
            return type == .name ? .name(text) : .description(text)
        case .blockSize:
            guard data.readableBytes == 12 else { throw .malformed("NBD_INFO_BLOCK_SIZE must be 14 bytes") }
            return .blockSize(minimum: data.readInteger()!, preferred: data.readInteger()!, maximum: data.readInteger()!)
        default:
            return .unknown(type, data)
        }
    }
}
