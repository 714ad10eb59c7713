import IdlePolling
import NIOCore

/// Turns a replication connection's bytes into `ReplicationInbound` items with
/// `ReplicationFrameDecoder`, copying only the bytes of a frame that a read split.
///
/// Why not NIO's `ByteToMessageHandler`: once a frame is split across reads, it appends every
/// later read whole to one cumulation buffer, regrows that buffer as it fills and compacts it
/// (`discardReadBytes`) as frames leave. perf on a peer receiving 1 MiB writes: those copies
/// and the page faults of the regrown buffers were a third of its CPU, more than the `pwrite`
/// into the page cache. Here:
/// - frames that lie whole in a read are decoded in place (their payload is a slice of the read);
/// - the frame a read cuts gets a buffer of exactly its own size (the length prefix says it), and
///   later reads top it up only to its end; the rest of each read is decoded in place again.
/// Each payload byte is copied at most once and no buffer is ever regrown or compacted.
/// - once the engine gave it the socket (`socketReader`), the rest of a cut item of at least
///   `directReadBytesMin` is read from the socket straight into that item's buffer, not copied
///   out of NIO's 64 KiB reads: a 1 MiB write then costs one copy (the kernel's) instead of two.
/// - once the engine gave it a `messageSink`, messages go there as they are decoded instead of
///   down the pipeline: a message passed on by `fireChannelRead` is boxed into an `NIOAny` (a
///   `ReplicationInbound` is larger than its inline storage), one heap allocation per message,
///   which on a peer taking 4 KiB writes at depth 32 was one allocation per write. The hello,
///   errors, read completion and the end of the connection still go down the pipeline.
///
/// Errors are the decoder's, fired down the pipeline as `ByteToMessageHandler` fires them; after
/// one, the rest of the stream is dropped. A connection that ends inside an item is reported as
/// the decoder reports it at EOF (`decodeLast`).
public final class ReplicationFrameReassembler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = ByteBuffer
    public typealias InboundOut = ReplicationInbound

    private var decoder: ReplicationFrameDecoder
    /// The start of an item a read cut: sized to the whole item once its length is known.
    private var partial: ByteBuffer?
    private var failed = false
    /// The connection's socket, read directly for the rest of a large cut item (see the type's
    /// comment and `ChannelSocketReader` for why that is safe here); nil until set, and again
    /// once a direct read saw the stream end (NIO's next read reports it).
    public var socketReader: ChannelSocketReader?
    /// Where messages (not the hello) go once set; nil: down the pipeline. Held strongly: the
    /// sink is the next handler of the same pipeline, which ends with the channel.
    public var messageSink: (any ReplicationMessageSink)?

    /// Below this many missing bytes NIO's next read does as well as a direct one.
    public static let directReadBytesMin = ChannelSocketReader.directReadBytesMin

    public init(_ decoder: ReplicationFrameDecoder) { self.decoder = decoder }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        var input = unwrapInboundIn(data)
        do {
            if partial != nil {
                guard try topUpPartial(from: &input, context: context) else { return try readRestDirectly(context: context) }
            }
            while !failed, let item = try decoder.decode(buffer: &input) { emit(item, context: context) }
            if !failed && input.readableBytes > 0 {
                try holdPartial(input, context: context)
                try readRestDirectly(context: context)
            }
        } catch {
            fail(error, context: context)
        }
    }

    /// Moves bytes from `input` into `partial` until the items in it are complete and decoded.
    /// False while `partial` still waits for more (all of `input` was used).
    private func topUpPartial(from input: inout ByteBuffer, context: ChannelHandlerContext) throws -> Bool {
        guard var held = partial else { return true }
        partial = nil
        while !failed {
            if let needed = try decoder.bytesNeeded(in: held) {
                let missing = needed - held.readableBytes
                if missing > 0 {
                    let take = min(missing, input.readableBytes)
                    held.writeImmutableBuffer(input.readSlice(length: take)!)
                    if take < missing {
                        partial = held
                        return false
                    }
                }
            } else {
                // The hello, whose length is known only once parsed: it is small (bounded by
                // `ReplicationHello.bodyBytesMax`), and this happens once per connection.
                held.writeBuffer(&input)
            }
            while !failed, let item = try decoder.decode(buffer: &held) { emit(item, context: context) }
            if held.readableBytes == 0 { return true }
            if input.readableBytes == 0 {
                // Keep only what is left, in a buffer sized for it (the reader index may be far in).
                try holdPartial(held, context: context)
                return false
            }
        }
        return false
    }

    /// Reads the rest of the held item from the socket into its own buffer, while it is large
    /// and the socket has bytes; decodes it once whole. Never reads past the item's end: what
    /// follows is NIO's to read.
    private func readRestDirectly(context: ChannelHandlerContext) throws {
        guard let reader = socketReader, var held = partial, let needed = try decoder.bytesNeeded(in: held) else { return }
        var missing = needed - held.readableBytes
        guard missing >= Self.directReadBytesMin else { return }
        partial = nil  // `held` is then the buffer's one reference: written in place, no copy
        while missing > 0 {
            let outcome = reader.read(into: &held, atMost: missing)
            guard case .bytes(let n) = outcome else {
                if outcome == .ended { socketReader = nil }
                partial = held
                return
            }
            missing -= n
        }
        while !failed, let item = try decoder.decode(buffer: &held) { emit(item, context: context) }
        precondition(failed || held.readableBytes == 0, "a direct read went past the end of the item it completed")
    }

    /// Copies the start of a cut item into a buffer that will hold the whole item.
    private func holdPartial(_ rest: ByteBuffer, context: ChannelHandlerContext) throws {
        let capacity = max(try decoder.bytesNeeded(in: rest) ?? 0, rest.readableBytes)
        var held = context.channel.allocator.buffer(capacity: capacity)
        held.writeImmutableBuffer(rest)
        partial = held
    }

    public func channelInactive(context: ChannelHandlerContext) {
        socketReader = nil  // NIO closes the descriptor: its number may soon be another file's
        if !failed, var rest = partial {
            partial = nil
            do {
                while let item = try decoder.decodeLast(buffer: &rest, seenEOF: true) {
                    emit(item, context: context)
                }
            } catch {
                fail(error, context: context)
            }
        }
        context.fireChannelInactive()
    }

    private func emit(_ item: ReplicationInbound, context: ChannelHandlerContext) {
        if let sink = messageSink, case .message(let message) = item {
            sink.receive(message)
        } else {
            context.fireChannelRead(wrapInboundOut(item))
        }
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        failed = true
        partial = nil
        context.fireErrorCaught(error)
    }
}
