import NIOCore

/// Everything a client sends, as the server's decoder frames it.
public enum NBDClientMessage: Sendable, Hashable {
    /// The 32-bit answer to the greeting (always the first message).
    case clientFlags(NBDClientFlags)
    case option(NBDOptionRequest)
    /// An option longer than `NBDLimits.optionDataMax`. Its data is skipped without being
    /// buffered; the server answers NBD_REP_ERR_TOO_BIG and keeps negotiating.
    case oversizedOption(NBDOptionCode, length: UInt32)
    /// A request; `payload` holds exactly `length` bytes for WRITE and is nil otherwise.
    case request(NBDRequest, payload: ByteBuffer?)
    /// A WRITE longer than `NBDLimits.payloadMax`. Its payload is skipped without being buffered,
    /// so the stream stays in sync, and the server answers NBD_EINVAL.
    case oversizedWrite(NBDRequest)
}

/// Frames the client→server byte stream. It never moves the reader index on a partial frame and
/// checks every length against `NBDLimits` before allocating. Whether an option or a request is
/// allowed at this point is not its business: the connection state machine decides that.
public struct NBDClientMessageDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = NBDClientMessage

    public let limits: NBDLimits
    private var awaitingClientFlags = true
    /// Bytes of an oversized option or write still to be thrown away.
    private var bytesToSkip: UInt64 = 0

    /// `expectingClientFlags: false` starts after the client flags (for framing tests and for
    /// a server that read the flags itself).
    public init(limits: NBDLimits = .default, expectingClientFlags: Bool = true) {
        self.limits = limits
        self.awaitingClientFlags = expectingClientFlags
    }

    /// True while the rest of an oversized message is being discarded.
    public var isSkipping: Bool { bytesToSkip > 0 }

    public mutating func decode(buffer: inout ByteBuffer) throws -> NBDClientMessage? {
        if bytesToSkip > 0 {
            let skipped = min(UInt64(buffer.readableBytes), bytesToSkip)
            buffer.moveReaderIndex(forwardBy: Int(skipped))
            bytesToSkip -= skipped
            if bytesToSkip > 0 { return nil }
        }
        if awaitingClientFlags {
            guard let raw = buffer.readInteger(as: UInt32.self) else { return nil }
            awaitingClientFlags = false
            return .clientFlags(NBDClientFlags(rawValue: raw))
        }
        guard let leading = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        if leading == NBDMagic.request {
            return decodeRequest(&buffer)
        }
        if leading == UInt32(truncatingIfNeeded: NBDMagic.option >> 32) {
            return try decodeOption(&buffer)
        }
        throw NBDProtocolError.badMagic("option or request", expected: UInt64(NBDMagic.request), found: UInt64(leading))
    }

    /// How many bytes, from the reader index, `decode` needs before it can return the next
    /// message or make progress: a whole request with its WRITE payload once the header is in,
    /// the header (or the part of it that says what follows) before that, one byte while an
    /// oversized message is skipped. Never more than a limit allows (an oversized payload is
    /// skipped, not buffered), so a server may size a buffer from it. A wrong magic is left to
    /// `decode` to report.
    public func bytesNeeded(in buffer: ByteBuffer) -> Int {
        if bytesToSkip > 0 { return 1 }
        if awaitingClientFlags { return 4 }
        guard let leading = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return 4 }
        if leading == NBDMagic.request {
            guard buffer.readableBytes >= NBDWireSize.requestHeader,
                  let type = buffer.getInteger(at: buffer.readerIndex + 6, as: UInt16.self),
                  let length = buffer.getInteger(at: buffer.readerIndex + 24, as: UInt32.self),
                  NBDCommandType(rawValue: type) == .write, length <= limits.payloadMax else {
                return NBDWireSize.requestHeader
            }
            return NBDWireSize.requestHeader + Int(length)
        }
        if leading == UInt32(truncatingIfNeeded: NBDMagic.option >> 32) {
            guard let length = buffer.getInteger(at: buffer.readerIndex + 12, as: UInt32.self),
                  length <= limits.optionDataMax else { return NBDWireSize.optionHeader }
            return NBDWireSize.optionHeader + Int(length)
        }
        return 4
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> NBDClientMessage? {
        // A frame cut off by EOF is simply incomplete: the connection is ending either way.
        try decode(buffer: &buffer)
    }

    private mutating func decodeOption(_ buffer: inout ByteBuffer) throws -> NBDClientMessage? {
        guard buffer.readableBytes >= NBDWireSize.optionHeader else { return nil }
        let start = buffer.readerIndex
        let magic = buffer.getInteger(at: start, as: UInt64.self)!
        guard magic == NBDMagic.option else {
            throw NBDProtocolError.badMagic("option", expected: NBDMagic.option, found: magic)
        }
        let code = NBDOptionCode(rawValue: buffer.getInteger(at: start + 8, as: UInt32.self)!)
        let length = buffer.getInteger(at: start + 12, as: UInt32.self)!
        if length > limits.optionDataMax {
            buffer.moveReaderIndex(forwardBy: NBDWireSize.optionHeader)
            bytesToSkip = UInt64(length)
            return .oversizedOption(code, length: length)
        }
        guard buffer.readableBytes >= NBDWireSize.optionHeader + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: NBDWireSize.optionHeader)
        let data = buffer.readSlice(length: Int(length))!
        return .option(NBDOptionRequest(code: code, data: data))
    }

    private mutating func decodeRequest(_ buffer: inout ByteBuffer) -> NBDClientMessage? {
        guard buffer.readableBytes >= NBDWireSize.requestHeader else { return nil }
        let start = buffer.readerIndex
        let request = NBDRequest(
            flags: NBDCommandFlags(rawValue: buffer.getInteger(at: start + 4, as: UInt16.self)!),
            type: NBDCommandType(rawValue: buffer.getInteger(at: start + 6, as: UInt16.self)!),
            cookie: buffer.getInteger(at: start + 8, as: UInt64.self)!,
            offset: buffer.getInteger(at: start + 16, as: UInt64.self)!,
            length: buffer.getInteger(at: start + 24, as: UInt32.self)!
        )
        guard request.type == .write else {
            buffer.moveReaderIndex(forwardBy: NBDWireSize.requestHeader)
            return .request(request, payload: nil)
        }
        if request.length > limits.payloadMax {
            buffer.moveReaderIndex(forwardBy: NBDWireSize.requestHeader)
            bytesToSkip = UInt64(request.length)
            return .oversizedWrite(request)
        }
        guard buffer.readableBytes >= NBDWireSize.requestHeader + Int(request.length) else { return nil }
        buffer.moveReaderIndex(forwardBy: NBDWireSize.requestHeader)
        return .request(request, payload: buffer.readSlice(length: Int(request.length))!)
    }
}
