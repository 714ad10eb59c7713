import NIOCore

/// Reads the big-endian fields of a metadata file. Every shortfall or out-of-range count is an
/// error that names the file and says the volume stays down (a corrupt record is never used).
struct MetadataReader {
    private var buffer: ByteBuffer
    let path: String

    init(_ bytes: some Sequence<UInt8>, path: String) {
        buffer = ByteBuffer(bytes: bytes)
        self.path = path
    }

    static func corrupt(_ path: String, _ why: String) -> EngineError {
        EngineError("\(path): corrupt metadata (\(why)); the volume stays down. Restore the file from a backup, or move it away to start this replica over as Inconsistent (it then resyncs fully from a peer)")
    }

    func corrupt(_ why: String) -> EngineError { Self.corrupt(path, why) }

    var remaining: Int { buffer.readableBytes }

    mutating func skip(_ bytes: Int) throws(EngineError) {
        guard bytes <= buffer.readableBytes else { throw corrupt("truncated") }
        buffer.moveReaderIndex(forwardBy: bytes)
    }

    mutating func u8() throws(EngineError) -> UInt8 {
        guard let v = buffer.readInteger(as: UInt8.self) else { throw corrupt("truncated") }
        return v
    }

    mutating func u32() throws(EngineError) -> UInt32 {
        guard let v = buffer.readInteger(as: UInt32.self) else { throw corrupt("truncated") }
        return v
    }

    mutating func u64() throws(EngineError) -> UInt64 {
        guard let v = buffer.readInteger(as: UInt64.self) else { throw corrupt("truncated") }
        return v
    }

    /// A u32 element count, at most `max`, whose `element`-byte elements fit in what is left.
    mutating func count(_ max: Int, _ element: Int) throws(EngineError) -> Int {
        let n = Int(try u32())
        guard n <= max, n * element <= buffer.readableBytes else { throw corrupt("count \(n) out of range") }
        return n
    }

    /// `count` big-endian words.
    mutating func words(_ count: Int) throws(EngineError) -> [UInt64] {
        guard count >= 0, count <= buffer.readableBytes / 8 else { throw corrupt("bitmap of \(count) words does not fit") }
        var list = [UInt64]()
        list.reserveCapacity(count)
        for _ in 0..<count { list.append(try u64()) }
        return list
    }
}
