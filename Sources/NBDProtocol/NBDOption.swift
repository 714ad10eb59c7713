import NIOCore

/// An option as framed on the wire: its code and raw data. The decoder produces these; `parse()`
/// turns one into an `NBDOption` or says what was wrong with its data.
public struct NBDOptionRequest: Sendable, Hashable {
    public var code: NBDOptionCode
    public var data: ByteBuffer
    public init(code: NBDOptionCode, data: ByteBuffer) {
        self.code = code
        self.data = data
    }
}

/// What NBD_OPT_INFO and NBD_OPT_GO ask for: an export and the information items wanted.
public struct NBDInfoRequest: Sendable, Hashable {
    public var exportName: String
    public var requestedInfo: [NBDInfoType]
    public init(exportName: String, requestedInfo: [NBDInfoType] = []) {
        self.exportName = exportName
        self.requestedInfo = requestedInfo
    }
}

/// An option a server understands, with its data parsed.
public enum NBDOption: Sendable, Hashable {
    case exportName(String)
    case abort
    case list
    case info(NBDInfoRequest)
    case go(NBDInfoRequest)
    case structuredReply
    /// Any option this implementation does not implement (STARTTLS, meta contexts, unknown codes):
    /// the server answers NBD_REP_ERR_UNSUP and keeps negotiating.
    case unsupported(NBDOptionCode, ByteBuffer)

    public var code: NBDOptionCode {
        switch self {
        case .exportName: .exportName
        case .abort: .abort
        case .list: .list
        case .info: .info
        case .go: .go
        case .structuredReply: .structuredReply
        case let .unsupported(code, _): code
        }
    }
}

/// Why an option's data could not be parsed; answered with NBD_REP_ERR_INVALID and this text.
public struct NBDOptionDataError: Error, Hashable, Sendable, CustomStringConvertible {
    public var option: NBDOptionCode
    public var reason: String
    public var description: String { "\(option): \(reason)" }
}

extension NBDOptionRequest {
    /// Parses the option's data. Never reads beyond `data`; a string must be valid UTF-8 without
    /// NUL and at most 4096 bytes, as the spec requires.
    public func parse() -> Result<NBDOption, NBDOptionDataError> {
        var data = self.data
        func invalid(_ reason: String) -> Result<NBDOption, NBDOptionDataError> {
            .failure(NBDOptionDataError(option: code, reason: reason))
        }
        switch code {
        case .exportName:
            guard let name = Self.validString(data.readableBytesView) else {
                return invalid("the export name is not valid UTF-8 of at most 4096 bytes without NUL")
            }
            return .success(.exportName(name))
        case .abort, .list, .structuredReply:
            guard data.readableBytes == 0 else { return invalid("this option carries no data, but \(data.readableBytes) bytes were sent") }
            switch code {
            case .abort: return .success(.abort)
            case .list: return .success(.list)
            default: return .success(.structuredReply)
            }
        case .info, .go:
            guard let nameLength = data.readInteger(as: UInt32.self) else { return invalid("data shorter than the 4-byte name length") }
            guard nameLength <= NBDLimits.stringBytesMax, let nameBytes = data.readSlice(length: Int(nameLength)) else {
                return invalid("name length \(nameLength) exceeds the option data or the 4096-byte limit")
            }
            guard let name = Self.validString(nameBytes.readableBytesView) else {
                return invalid("the export name is not valid UTF-8 without NUL")
            }
            guard let count = data.readInteger(as: UInt16.self) else { return invalid("data ends before the number of info requests") }
            guard data.readableBytes == Int(count) * 2 else {
                return invalid("\(count) info requests announced but \(data.readableBytes) bytes follow")
            }
            var requested: [NBDInfoType] = []
            requested.reserveCapacity(Int(count))
            for _ in 0..<count { requested.append(NBDInfoType(rawValue: data.readInteger(as: UInt16.self)!)) }
            let request = NBDInfoRequest(exportName: name, requestedInfo: requested)
            return .success(code == .info ? .info(request) : .go(request))
        default:
            return .success(.unsupported(code, data))
        }
    }

    static func validString(_ bytes: ByteBufferView) -> String? {
        guard bytes.count <= NBDLimits.stringBytesMax, !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension NBDOption {
    /// The option as a client frames it (used by Tandem's own client and by the codec tests).
    public func request(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> NBDOptionRequest {
        var data = allocator.buffer(capacity: 16)
        switch self {
        case let .exportName(name):
            data.writeString(name)
        case .abort, .list, .structuredReply:
            break
        case let .info(request), let .go(request):
            data.writeInteger(UInt32(request.exportName.utf8.count))
            data.writeString(request.exportName)
            data.writeInteger(UInt16(request.requestedInfo.count))
            for item in request.requestedInfo { data.writeInteger(item.rawValue) }
        case let .unsupported(_, payload):
            data.writeImmutableBuffer(payload)
        }
        return NBDOptionRequest(code: code, data: data)
    }
}
