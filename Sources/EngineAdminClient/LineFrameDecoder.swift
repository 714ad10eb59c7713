import NIOCore

/// Splits a byte stream into newline-terminated lines (without the newline). A line longer than
/// `lineBytesMax` is an error: the admin protocol never needs one, and buffering without a limit
/// would let a confused client grow the engine's memory.
public struct LineFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer
    public let lineBytesMax: Int

    public init(lineBytesMax: Int) { self.lineBytesMax = lineBytesMax }

    public struct LineTooLong: Error, CustomStringConvertible {
        public let lineBytesMax: Int
        public var description: String { "a line of the admin protocol is longer than \(lineBytesMax) bytes" }
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> ByteBuffer? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > lineBytesMax { throw LineTooLong(lineBytesMax: lineBytesMax) }
            return nil
        }
        let length = newline - buffer.readerIndex
        guard length <= lineBytesMax else { throw LineTooLong(lineBytesMax: lineBytesMax) }
        let line = buffer.readSlice(length: length)
        buffer.moveReaderIndex(forwardBy: 1)
        return line
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ByteBuffer? {
        try decode(buffer: &buffer)
    }
}
