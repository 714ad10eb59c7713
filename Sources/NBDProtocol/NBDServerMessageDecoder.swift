import NIOCore

/// Everything a server sends, as a client's decoder frames it.
public enum NBDServerMessage: Sendable, Hashable {
    case greeting(NBDHandshakeFlags)
    case optionReply(NBDOptionReply)
    case exportNameReply(size: UInt64, flags: NBDTransmissionFlags)
    /// `data` is present only for a successful READ answered with a simple reply.
    case simpleReply(NBDSimpleReply, data: ByteBuffer?)
    case structuredReply(NBDStructuredReplyChunk)
}

/// Frames the server→client byte stream for Tandem's own NBD client (the local device attaches
/// through it) and for the codec tests. Simple replies are not self-describing, so the client
/// tells the decoder which cookies are reads and how long they are (`expectRead`).
public struct NBDServerMessageDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = NBDServerMessage

    enum Phase: Hashable {
        case greeting
        case options
        case exportNameReply(zeroes: Bool)
        case transmission
    }

    public let limits: NBDLimits
    private var phase: Phase = .greeting
    /// Outstanding READs by cookie: the number of data bytes their simple reply carries. Bounded by
    /// the client's own in-flight window.
    private var pendingReadLengths: [UInt64: UInt32] = [:]

    public init(limits: NBDLimits = .default) {
        self.limits = limits
    }

    init(limits: NBDLimits = .default, phase: Phase) {
        self.limits = limits
        self.phase = phase
    }

    /// Call before sending NBD_OPT_EXPORT_NAME: its reply is not framed like other option replies.
    public mutating func expectExportNameReply(zeroes: Bool) {
        phase = .exportNameReply(zeroes: zeroes)
    }

    /// Call before sending a READ whose reply may be a simple one.
    public mutating func expectRead(cookie: UInt64, length: UInt32) {
        pendingReadLengths[cookie] = length
    }

    public var isInTransmission: Bool { phase == .transmission }

    public mutating func decode(buffer: inout ByteBuffer) throws -> NBDServerMessage? {
        switch phase {
        case .greeting: return try decodeGreeting(&buffer)
        case .options: return try decodeOptionReply(&buffer)
        case let .exportNameReply(zeroes): return decodeExportNameReply(&buffer, zeroes: zeroes)
        case .transmission: return try decodeReply(&buffer)
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> NBDServerMessage? {
        try decode(buffer: &buffer)
    }

    private mutating func decodeGreeting(_ buffer: inout ByteBuffer) throws -> NBDServerMessage? {
        guard buffer.readableBytes >= NBDWireSize.greeting else { return nil }
        let start = buffer.readerIndex
        let password = buffer.getInteger(at: start, as: UInt64.self)!
        guard password == NBDMagic.initPassword else {
            throw NBDProtocolError.badMagic("greeting", expected: NBDMagic.initPassword, found: password)
        }
        let magic = buffer.getInteger(at: start + 8, as: UInt64.self)!
        guard magic == NBDMagic.option else {
            throw NBDProtocolError.badMagic("newstyle greeting (oldstyle is not supported)", expected: NBDMagic.option, found: magic)
        }
        let flags = NBDHandshakeFlags(rawValue: buffer.getInteger(at: start + 16, as: UInt16.self)!)
        buffer.moveReaderIndex(forwardBy: NBDWireSize.greeting)
        phase = .options
        return .greeting(flags)
    }

    private mutating func decodeOptionReply(_ buffer: inout ByteBuffer) throws -> NBDServerMessage? {
        guard buffer.readableBytes >= NBDWireSize.optionReplyHeader else { return nil }
        let start = buffer.readerIndex
        let magic = buffer.getInteger(at: start, as: UInt64.self)!
        guard magic == NBDMagic.optionReply else {
            throw NBDProtocolError.badMagic("option reply", expected: NBDMagic.optionReply, found: magic)
        }
        let option = NBDOptionCode(rawValue: buffer.getInteger(at: start + 8, as: UInt32.self)!)
        let type = NBDOptionReplyType(rawValue: buffer.getInteger(at: start + 12, as: UInt32.self)!)
        let length = buffer.getInteger(at: start + 16, as: UInt32.self)!
        guard length <= limits.optionReplyDataMax else {
            throw NBDProtocolError.lengthTooLarge("option reply", length: UInt64(length), limit: UInt64(limits.optionReplyDataMax))
        }
        guard buffer.readableBytes >= NBDWireSize.optionReplyHeader + Int(length) else { return nil }
        let data = buffer.getSlice(at: start + NBDWireSize.optionReplyHeader, length: Int(length))!
        let payload = try NBDOptionReply.parsePayload(type: type, data: data)
        buffer.moveReaderIndex(forwardBy: NBDWireSize.optionReplyHeader + Int(length))
        if option == .go && type == .ack { phase = .transmission }
        return .optionReply(NBDOptionReply(option: option, type: type, payload: payload))
    }

    private mutating func decodeExportNameReply(_ buffer: inout ByteBuffer, zeroes: Bool) -> NBDServerMessage? {
        let total = NBDWireSize.exportNameReply + (zeroes ? NBDWireSize.exportNameReplyZeroes : 0)
        guard buffer.readableBytes >= total else { return nil }
        let size = buffer.readInteger(as: UInt64.self)!
        let flags = NBDTransmissionFlags(rawValue: buffer.readInteger(as: UInt16.self)!)
        buffer.moveReaderIndex(forwardBy: total - NBDWireSize.exportNameReply)
        phase = .transmission
        return .exportNameReply(size: size, flags: flags)
    }

    private mutating func decodeReply(_ buffer: inout ByteBuffer) throws -> NBDServerMessage? {
        guard let magic = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        switch magic {
        case NBDMagic.simpleReply: return decodeSimpleReply(&buffer)
        case NBDMagic.structuredReply: return try decodeStructuredReply(&buffer)
        default: throw NBDProtocolError.badMagic("reply", expected: UInt64(NBDMagic.simpleReply), found: UInt64(magic))
        }
    }

    private mutating func decodeSimpleReply(_ buffer: inout ByteBuffer) -> NBDServerMessage? {
        guard buffer.readableBytes >= NBDWireSize.simpleReplyHeader else { return nil }
        let start = buffer.readerIndex
        let error = NBDErrorCode(rawValue: buffer.getInteger(at: start + 4, as: UInt32.self)!)
        let cookie = buffer.getInteger(at: start + 8, as: UInt64.self)!
        let reply = NBDSimpleReply(error: error, cookie: cookie)
        guard error == .ok, let length = pendingReadLengths[cookie] else {
            buffer.moveReaderIndex(forwardBy: NBDWireSize.simpleReplyHeader)
            pendingReadLengths[cookie] = nil
            return .simpleReply(reply, data: nil)
        }
        guard buffer.readableBytes >= NBDWireSize.simpleReplyHeader + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: NBDWireSize.simpleReplyHeader)
        pendingReadLengths[cookie] = nil
        return .simpleReply(reply, data: buffer.readSlice(length: Int(length))!)
    }

    private mutating func decodeStructuredReply(_ buffer: inout ByteBuffer) throws -> NBDServerMessage? {
        guard buffer.readableBytes >= NBDWireSize.structuredReplyHeader else { return nil }
        let start = buffer.readerIndex
        let flags = NBDReplyFlags(rawValue: buffer.getInteger(at: start + 4, as: UInt16.self)!)
        let type = NBDStructuredReplyType(rawValue: buffer.getInteger(at: start + 6, as: UInt16.self)!)
        let cookie = buffer.getInteger(at: start + 8, as: UInt64.self)!
        let length = buffer.getInteger(at: start + 16, as: UInt32.self)!
        let chunkMax = UInt64(limits.payloadMax) + 8
        guard UInt64(length) <= chunkMax else {
            throw NBDProtocolError.lengthTooLarge("structured reply chunk", length: UInt64(length), limit: chunkMax)
        }
        guard buffer.readableBytes >= NBDWireSize.structuredReplyHeader + Int(length) else { return nil }
        let data = buffer.getSlice(at: start + NBDWireSize.structuredReplyHeader, length: Int(length))!
        let payload = try NBDStructuredReplyChunk.Payload.parse(type: type, data: data)
        buffer.moveReaderIndex(forwardBy: NBDWireSize.structuredReplyHeader + Int(length))
        if flags.contains(.done) { pendingReadLengths[cookie] = nil }
        return .structuredReply(NBDStructuredReplyChunk(flags: flags, cookie: cookie, payload: payload))
    }
}
