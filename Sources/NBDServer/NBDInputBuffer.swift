import IdlePolling
import NBDProtocol
import NIOCore

/// The bytes an NBD connection received and has not decoded yet, kept so that each WRITE payload
/// byte is copied at most once in user space (from the socket's read buffer, and only when a
/// read cut its request).
///
/// Why not one cumulation buffer that every read is appended to: for 1 MiB WRITEs that copied
/// each payload into the cumulation as it grew (regrowing it on the way), and compacting it
/// (`discardReadBytes`) while the payload was still being written to disk copied it again. perf
/// on 1 MiB sequential writes showed those two `memmove`s at 16 % of the engine's CPU, as much as
/// the kernel's copy into the page cache. Here, as in `ReplicationFrameReassembler`:
/// - a message that lies whole in a read is decoded in place (its payload is a slice of the read);
/// - a message a read cuts gets a buffer of exactly its size (`NBDClientMessageDecoder.bytesNeeded`),
///   and later reads top it up only to its end; the rest of each read is decoded in place again;
/// - the rest of a cut message of at least `directReadBytesMin` is read from the socket straight
///   into that buffer (`readRestDirectly`), not copied out of NIO's 64 KiB reads: a 1 MiB WRITE
///   then costs the kernel's copy only (perf on the Primary during 1 MiB writes: this copy was
///   9 % of its CPU).
struct NBDInputBuffer {
    /// Where decoding goes on: a read's bytes in place, or a cut message being completed.
    private var front: ByteBuffer?
    /// `front` is a buffer this type allocated for one message (not a read's buffer, which NIO's
    /// receive pool may still refer to), so topping it up never copies what it holds.
    private var frontIsOwn = false
    /// Bytes of later reads not yet moved to `front`: left over only while decoding is paused
    /// (the connection has `inflightMax` requests running) or a message waits for more bytes.
    private var back: ByteBuffer?

    /// A paused connection's held-back bytes are compacted when this much of them was consumed.
    static let compactAfterBytes = 64 << 10

    var readableBytes: Int { (front?.readableBytes ?? 0) + (back?.readableBytes ?? 0) }

    /// Takes a read's bytes (without copying them unless earlier bytes are still held back).
    mutating func append(_ incoming: ByteBuffer) {
        guard incoming.readableBytes > 0 else { return }
        guard var held = back else {
            back = incoming
            return
        }
        back = nil
        if held.readerIndex > Self.compactAfterBytes { held.discardReadBytes() }
        held.writeImmutableBuffer(incoming)
        back = held
    }

    /// Makes `front` hold the whole next message if the bytes received so far hold it; false
    /// when more must arrive first (the start of the message is kept, in a buffer of its size).
    mutating func prepareMessage(for decoder: NBDClientMessageDecoder, allocator: ByteBufferAllocator) -> Bool {
        if front?.readableBytes ?? 0 == 0 {
            front = back
            frontIsOwn = false
            back = nil
        }
        guard var current = front else { return false }
        front = nil
        defer { front = current }
        while true {
            let needed = decoder.bytesNeeded(in: current)
            let missing = needed - current.readableBytes
            if missing <= 0 { return true }
            guard var more = back, more.readableBytes > 0 else { return false }
            back = nil
            if !frontIsOwn || current.writableBytes < missing {
                // The cut start of a message (at most one read's worth, usually a header and
                // part of a payload) moves into a buffer that will hold the whole message.
                var home = allocator.buffer(capacity: needed)
                home.writeImmutableBuffer(current)
                current = home
                frontIsOwn = true
            }
            current.writeImmutableBuffer(more.readSlice(length: min(missing, more.readableBytes))!)
            back = more.readableBytes > 0 ? more : nil
        }
    }

    /// Runs `decode` on `front` (after `prepareMessage` said it holds a whole message).
    mutating func decodeFront<T>(_ decode: (inout ByteBuffer) throws -> T?) rethrows -> T? {
        guard var current = front else { return nil }
        front = nil
        defer { front = current.readableBytes > 0 ? current : nil }
        return try decode(&current)
    }

    /// Below this many missing bytes NIO's next read does as well as a direct one.
    static let directReadBytesMin = ChannelSocketReader.directReadBytesMin

    /// How `readRestDirectly` left the message being assembled.
    enum DirectRead: Equatable {
        /// It is whole now: decode it.
        case complete
        /// Not read directly (too little missing, or bytes of NIO's reads still to use), or the
        /// socket has no more bytes now: NIO's next read brings the rest.
        case incomplete
        /// The stream ended or failed: read nothing more directly (NIO's next read sees the end).
        case ended
    }

    /// Reads the rest of the message being assembled straight from `reader` into a buffer of the
    /// message's size, while at least `directReadBytesMin` is missing and the socket has bytes.
    /// Only when every byte NIO handed over is used (nothing is held back): the socket's next
    /// bytes are then this message's. Never reads past the message's end: what follows is NIO's.
    /// Call only where `ChannelSocketReader` says a direct read is safe (inside `channelRead`).
    mutating func readRestDirectly(for decoder: NBDClientMessageDecoder, from reader: ChannelSocketReader,
                                   allocator: ByteBufferAllocator) -> DirectRead {
        guard back == nil, var current = front else { return .incomplete }
        let needed = decoder.bytesNeeded(in: current)
        var missing = needed - current.readableBytes
        guard missing >= Self.directReadBytesMin else { return .incomplete }
        front = nil  // `current` is then the buffer's one reference: written in place, no copy
        if !frontIsOwn || current.writableBytes < missing {
            var home = allocator.buffer(capacity: needed)
            home.writeImmutableBuffer(current)
            current = home
            frontIsOwn = true
        }
        defer { front = current }
        while missing > 0 {
            switch reader.read(into: &current, atMost: missing) {
            case .bytes(let n): missing -= n
            case .wouldBlock: return .incomplete
            case .ended: return .ended
            }
        }
        return .complete
    }

    /// Drops everything (the connection is gone or broke the protocol).
    mutating func removeAll() {
        front = nil
        back = nil
        frontIsOwn = false
    }
}
