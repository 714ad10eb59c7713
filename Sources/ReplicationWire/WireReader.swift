import NIOCore

/// Reads one frame's body with bounds checks: every read that would run past the end, every
/// count larger than the bytes left, and every enum value out of range is an error naming the
/// peer and the message, never a crash or an unbounded allocation.
struct WireReader {
    var buffer: ByteBuffer
    let peer: String
    let what: String
    /// Once known, the frame's type names it in errors. Kept as the type and described only on
    /// failure: interpolating it for every frame went through runtime reflection (dynamic casts,
    /// protocol conformance lookups), about a tenth of a peer's CPU per replicated 4 KiB write.
    var messageType: PeerMessageType?

    init(buffer: ByteBuffer, peer: String, what: String) {
        self.buffer = buffer; self.peer = peer; self.what = what
    }

    func fail(_ reason: String) -> ReplicationWireError {
        let name = messageType.map { "\($0) frame" } ?? what
        return ReplicationWireError(peer: peer, reason: "malformed \(name): \(reason)")
    }

    mutating func u8() throws(ReplicationWireError) -> UInt8 {
        guard let v = buffer.readInteger(as: UInt8.self) else { throw fail("truncated") }
        return v
    }
    mutating func u16() throws(ReplicationWireError) -> UInt16 {
        guard let v = buffer.readInteger(as: UInt16.self) else { throw fail("truncated") }
        return v
    }
    mutating func u32() throws(ReplicationWireError) -> UInt32 {
        guard let v = buffer.readInteger(as: UInt32.self) else { throw fail("truncated") }
        return v
    }
    mutating func u64() throws(ReplicationWireError) -> UInt64 {
        guard let v = buffer.readInteger(as: UInt64.self) else { throw fail("truncated") }
        return v
    }
    mutating func bool() throws(ReplicationWireError) -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let v: throw fail("boolean byte \(v)")
        }
    }
    mutating func bytes(_ count: Int) throws(ReplicationWireError) -> [UInt8] {
        guard count >= 0, count <= buffer.readableBytes, let v = buffer.readBytes(length: count) else {
            throw fail("needs \(count) bytes, \(buffer.readableBytes) left")
        }
        return v
    }
    /// The next `count` bytes as a slice of the frame: shares its storage, no copy.
    mutating func slice(_ count: Int) throws(ReplicationWireError) -> ByteBuffer {
        guard count >= 0, count <= buffer.readableBytes, let v = buffer.readSlice(length: count) else {
            throw fail("needs \(count) bytes, \(buffer.readableBytes) left")
        }
        return v
    }
    /// A u32 count of elements of `elementBytes` each, checked against what is left and `max`.
    mutating func count(elementBytes: Int, max: Int) throws(ReplicationWireError) -> Int {
        let n = Int(try u32())
        guard n <= max else { throw fail("\(n) elements, at most \(max)") }
        guard n * elementBytes <= buffer.readableBytes else { throw fail("\(n) elements do not fit in \(buffer.readableBytes) bytes") }
        return n
    }
    mutating func string(max: Int) throws(ReplicationWireError) -> String {
        let n = Int(try u16())
        guard n <= max else { throw fail("text of \(n) bytes, at most \(max)") }
        guard let s = String(validating: try bytes(n), as: UTF8.self) else { throw fail("text is not UTF-8") }
        return s
    }
    func finish() throws(ReplicationWireError) {
        guard buffer.readableBytes == 0 else { throw fail("\(buffer.readableBytes) unexpected trailing bytes") }
    }
}
