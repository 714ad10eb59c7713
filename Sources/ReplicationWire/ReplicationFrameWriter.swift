import NIOCore
import ReplicationCore

/// Writes a replication connection's hello and frames. Two things a per-message encoder
/// (`MessageToByteHandler`) cannot do:
/// - a write's or resync reply's data (more than `payloadBytesInlineMax` bytes) goes down as its
///   own buffer, the very one the NBD request or the peer's frame arrived in, so the bytes are
///   never copied on their way to the socket (writev gathers them with the headers);
/// - the headers and small frames written between two flushes share one buffer, so a batch of
///   acks or of write headers costs one allocation and one iovec, not one per message.
/// - an ack that continues the ack frame last written since the flush (the next sequence, the
///   same outcome) extends that frame's count instead of adding a frame: a peer that completes a
///   burst of writes in order answers it with one message, which the writer's core takes in one
///   pass (`WriteAck.count`), not with one message per write to decode and step.
/// - a bulk payload's header goes into that shared buffer too, and the payload is passed down
///   after it at the flush (the buffer in slices between the payloads): a buffer allocated per
///   write header cost a 4 KiB allocation and its free for every replicated write.
/// Nothing is held across a flush (nor past `pendingPayloadsMax` payloads), and a write with a
/// promise passes its bytes down at once, so the promise completes when they are written, as
/// for any other handler.
public final class ReplicationFrameWriter: ChannelOutboundHandler, RemovableChannelHandler {
    public typealias OutboundIn = ReplicationOutbound
    public typealias OutboundOut = ByteBuffer

    /// Payloads up to this size are copied next to their header (cheaper than an iovec of its own).
    public static let payloadBytesInlineMaxDefault = 2048

    private let payloadBytesInlineMax: Int
    /// Headers and small frames since the last flush, not yet passed down.
    private var pending: ByteBuffer?
    /// The buffer last passed down, kept to hold the next flush's headers: once the socket has
    /// taken its bytes this is its only reference, and clearing it reuses its memory. A fresh
    /// buffer per flush cost two allocations (the storage object and its bytes) per batch of
    /// writes on the Primary and per batch of acks on the peer. Not kept when larger than
    /// `keptBufferBytesMax` (a large inline frame must not pin its memory to the link).
    private var spare: ByteBuffer?
    static let keptBufferBytesMax = 64 << 10
    /// Bulk payloads since the last flush, each with the index in `pending` it follows.
    private var pendingPayloads: [(after: Int, payload: ByteBuffer)] = []
    /// Payloads held at most before everything is passed down without waiting for the flush
    /// (a bound on this table; a flush comes once per event-loop iteration anyway).
    public static let pendingPayloadsMax = 1024

    /// The ack frame that ends `pending`, while a following ack may still extend it.
    private struct OpenAck {
        /// Where its count field is in `pending` (an ack frame's last 4 bytes).
        var countIndex: Int
        var count: UInt32
        /// The sequence a continuing ack starts at.
        var next: UInt64
        var success: Bool
    }
    private var openAck: OpenAck?

    public init(payloadBytesInlineMax: Int = ReplicationFrameWriter.payloadBytesInlineMaxDefault) {
        self.payloadBytesInlineMax = payloadBytesInlineMax
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .hello(let hello):
            openAck = nil
            var buffer = pending ?? freshBuffer(context: context)
            pending = nil
            hello.encode(into: &buffer)
            pass(buffer, payload: nil, context: context, promise: promise)
        case .message(let message):
            write(message, context: context, promise: promise)
        }
    }

    /// `write` for a caller on the channel's event loop that holds this handler's context (the
    /// engine's runtime): the message goes straight into the pending buffer, without being
    /// boxed for the pipeline and cast back here. Leaves at the next `flush(context:)`.
    public func send(_ message: PeerMessage, context: ChannelHandlerContext) {
        write(message, context: context, promise: nil)
    }

    private func write(_ message: PeerMessage, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        if promise == nil, case .writeAck(let ack) = message, extendOpenAck(with: ack) { return }
        openAck = nil
        var buffer = pending ?? freshBuffer(context: context)
        pending = nil
        let payload = buffer.writeReplicationFrame(message, payloadBytesInlineMax: payloadBytesInlineMax)
        pass(buffer, payload: payload, context: context, promise: promise)
        if case .writeAck(let ack) = message, let pending, payload == nil, promise == nil {
            let (next, overflow) = ack.sequence.addingReportingOverflow(UInt64(ack.count))
            if !overflow {
                openAck = OpenAck(countIndex: pending.writerIndex - MemoryLayout<UInt32>.size, count: ack.count,
                                  next: next, success: ack.success)
            }
        }
    }

    /// Adds `ack` to the ack frame that ends `pending` when it continues it; false otherwise.
    private func extendOpenAck(with ack: WriteAck) -> Bool {
        guard var open = openAck, pending != nil, ack.sequence == open.next, ack.success == open.success,
              ack.count <= WriteAck.countMax - open.count else { return false }
        let (next, overflow) = open.next.addingReportingOverflow(UInt64(ack.count))
        guard !overflow else { return false }
        open.count += ack.count
        open.next = next
        pending!.setInteger(open.count, at: open.countIndex)
        openAck = open
        return true
    }

    /// An empty buffer for the headers after a flush: the spare when the socket is done with it
    /// (`clear` copies nothing then; while slices of it still wait in the channel it gets new
    /// memory, as a fresh buffer would).
    private func freshBuffer(context: ChannelHandlerContext) -> ByteBuffer {
        guard var buffer = spare else { return context.channel.allocator.buffer(capacity: 4096) }
        spare = nil
        buffer.clear()
        return buffer
    }

    /// Keeps `buffer` (which holds everything pending) and `payload` for the flush, or with a
    /// promise passes it all down now, the promise on its last piece.
    private func pass(_ buffer: ByteBuffer, payload: ByteBuffer?, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        pending = buffer
        if let payload { pendingPayloads.append((after: buffer.writerIndex, payload: payload)) }
        if promise != nil || pendingPayloads.count >= Self.pendingPayloadsMax {
            openAck = nil
            passPendingDown(context: context, promise: promise)
        }
    }

    /// Passes `pending` down with each payload after its header, in stream order.
    private func passPendingDown(context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        guard let buffer = pending else { return }
        pending = nil
        if buffer.capacity <= Self.keptBufferBytesMax { spare = buffer }
        var start = buffer.readerIndex
        for (index, (after, payload)) in pendingPayloads.enumerated() {
            if after > start { context.write(wrapOutboundOut(buffer.getSlice(at: start, length: after - start)!), promise: nil) }
            let last = index == pendingPayloads.count - 1 && after == buffer.writerIndex
            context.write(wrapOutboundOut(payload), promise: last ? promise : nil)
            start = after
        }
        let endsWithPayload = !pendingPayloads.isEmpty && start == buffer.writerIndex
        pendingPayloads.removeAll(keepingCapacity: true)
        if !endsWithPayload { context.write(wrapOutboundOut(buffer.getSlice(at: start, length: buffer.writerIndex - start)!), promise: promise) }
    }

    public func flush(context: ChannelHandlerContext) {
        openAck = nil
        passPendingDown(context: context, promise: nil)
        context.flush()
    }

    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        // Bytes written but never flushed are dropped at a close, as NIO drops its own.
        pending = nil
        spare = nil
        pendingPayloads.removeAll()
        openAck = nil
        context.close(mode: mode, promise: promise)
    }
}
