import NIOCore

/// Who is being read, as the reader's errors must say it: a metadata file by its path, a peer's
/// frame by the peer and the message. The reader finds what is wrong; this turns the reason into
/// the caller's own error type with the caller's own wording.
public protocol ReadFailureDescribing {
    associatedtype Failure: Error
    func failure(_ reason: String) -> Failure
}

/// Reads big-endian fields with bounds checks: a read that would run past the end, a count
/// larger than the bytes left or than its limit, an enum byte out of range is an error naming the
/// source — never a crash, and never an allocation sized by an unchecked count.
///
/// `@inlinable` throughout: the replication link decodes every replicated write through this,
/// and an unspecialized generic across the module boundary would go through witness tables on
/// every field.
public struct BoundedReader<Source: ReadFailureDescribing> {
    public var buffer: ByteBuffer
    public var source: Source

    @inlinable
    public init(buffer: ByteBuffer, source: Source) {
        self.buffer = buffer
        self.source = source
    }

    /// The source's error for `reason`; for checks the caller makes on what it read.
    @inlinable
    public func fail(_ reason: String) -> Source.Failure { source.failure(reason) }

    @inlinable
    public var remaining: Int { buffer.readableBytes }

    @inlinable
    public mutating func skip(_ count: Int) throws(Source.Failure) {
        guard count >= 0, count <= buffer.readableBytes else { throw fail("needs \(count) bytes, \(buffer.readableBytes) left") }
        buffer.moveReaderIndex(forwardBy: count)
    }

    @inlinable
    public mutating func u8() throws(Source.Failure) -> UInt8 { try integer() }
    @inlinable
    public mutating func u16() throws(Source.Failure) -> UInt16 { try integer() }
    @inlinable
    public mutating func u32() throws(Source.Failure) -> UInt32 { try integer() }
    @inlinable
    public mutating func u64() throws(Source.Failure) -> UInt64 { try integer() }

    @inlinable
    mutating func integer<T: FixedWidthInteger>() throws(Source.Failure) -> T {
        guard let v = buffer.readInteger(endianness: .big, as: T.self) else { throw fail("truncated") }
        return v
    }

    /// One byte that must be 0 or 1.
    @inlinable
    public mutating func bool() throws(Source.Failure) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let v: throw fail("boolean byte \(v)")
        }
    }

    @inlinable
    public mutating func bytes(_ count: Int) throws(Source.Failure) -> [UInt8] {
        guard count >= 0, count <= buffer.readableBytes, let v = buffer.readBytes(length: count) else {
            throw fail("needs \(count) bytes, \(buffer.readableBytes) left")
        }
        return v
    }

    /// The next `count` bytes as a slice of the buffer: shares its storage, no copy.
    @inlinable
    public mutating func slice(_ count: Int) throws(Source.Failure) -> ByteBuffer {
        guard count >= 0, count <= buffer.readableBytes, let v = buffer.readSlice(length: count) else {
            throw fail("needs \(count) bytes, \(buffer.readableBytes) left")
        }
        return v
    }

    /// A u32 count of elements of `elementBytes` each, checked against `max` and against what is
    /// left, before the caller allocates for them.
    @inlinable
    public mutating func count(elementBytes: Int, max: Int) throws(Source.Failure) -> Int {
        let n = Int(try u32())
        guard n <= max else { throw fail("\(n) elements, at most \(max)") }
        guard n * elementBytes <= buffer.readableBytes else { throw fail("\(n) elements do not fit in \(buffer.readableBytes) bytes") }
        return n
    }

    /// `count` big-endian u64 words, checked against what is left first.
    @inlinable
    public mutating func u64s(_ count: Int) throws(Source.Failure) -> [UInt64] {
        guard count >= 0, count <= buffer.readableBytes / 8 else {
            throw fail("\(count) words do not fit in \(buffer.readableBytes) bytes")
        }
        var list = [UInt64]()
        list.reserveCapacity(count)
        for _ in 0..<count { list.append(try u64()) }
        return list
    }

    /// A u16 length and that many bytes of UTF-8, at most `max` bytes.
    @inlinable
    public mutating func string(max: Int) throws(Source.Failure) -> String {
        let n = Int(try u16())
        guard n <= max else { throw fail("text of \(n) bytes, at most \(max)") }
        guard let s = String(validating: try bytes(n), as: UTF8.self) else { throw fail("text is not UTF-8") }
        return s
    }

    /// Everything was read: anything left over is an error, not ignored.
    @inlinable
    public func finish() throws(Source.Failure) {
        guard buffer.readableBytes == 0 else { throw fail("\(buffer.readableBytes) unexpected trailing bytes") }
    }
}
