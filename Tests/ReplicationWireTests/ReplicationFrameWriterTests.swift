import NIOCore
import NIOEmbedded
import ReplicationCore
@testable import ReplicationWire
import Testing

@Suite("Replication frame writer")
struct ReplicationFrameWriterTests {
    static let hello = ReplicationHello(resourceName: "r", senderNodeID: NodeID(0), receiverNodeID: NodeID(1), volume: 0,
                                        sizeBytes: 1 << 30, bitmapBlockBytes: 4096, frameBytesMax: 1 << 22)

    func outbound(_ channel: EmbeddedChannel) throws -> [ByteBuffer] {
        var buffers: [ByteBuffer] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { buffers.append(buffer) }
        return buffers
    }

    func decodeAll(_ buffers: [ByteBuffer]) throws -> [ReplicationInbound] {
        var stream = ByteBuffer()
        for var b in buffers { stream.writeBuffer(&b) }
        var decoder = ReplicationFrameDecoder(peer: "test")
        var items: [ReplicationInbound] = []
        while let item = try decoder.decode(buffer: &stream) { items.append(item) }
        #expect(stream.readableBytes == 0)
        return items
    }

    /// A writer driven directly (`send`, as the engine's runtime drives it), with the hello
    /// written and not yet flushed.
    func directWriter(_ writer: ReplicationFrameWriter = ReplicationFrameWriter()) throws -> (ReplicationFrameWriter, EmbeddedChannel, ChannelHandlerContext) {
        let channel = EmbeddedChannel(handler: writer)
        let context = try channel.pipeline.syncOperations.context(handlerType: ReplicationFrameWriter.self)
        channel.write(ReplicationOutbound.hello(Self.hello), promise: nil)
        return (writer, channel, context)
    }

    @Test("small frames wait for the flush and leave together in one buffer")
    func coalesces() throws {
        let channel = EmbeddedChannel(handler: ReplicationFrameWriter())
        let messages: [ReplicationOutbound] = [.hello(Self.hello), .message(.writeAck(WriteAck(sequence: 1, success: true))),
                                               .message(.writeAck(WriteAck(sequence: 2, success: false)))]
        for m in messages { channel.write(m, promise: nil) }
        channel.flush()
        let buffers = try outbound(channel)
        #expect(buffers.count == 1)
        #expect(try decodeAll(buffers) == [.hello(Self.hello), .message(.writeAck(WriteAck(sequence: 1, success: true))),
                                           .message(.writeAck(WriteAck(sequence: 2, success: false)))])
        _ = try channel.finish()
    }

    @Test("a write's data goes down as the caller's own buffer, after its header, in stream order")
    func payloadByReference() throws {
        let channel = EmbeddedChannel(handler: ReplicationFrameWriter())
        _ = try channel.writeOutbound(ReplicationOutbound.hello(Self.hello))
        let data = ByteBuffer(bytes: (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let write = PeerMessage.write(ReplicatedWrite(sequence: 9, kind: .data, offsetBytes: 4096, lengthBytes: 65536, data: data,
                                                      fua: false, wantsAck: true, notReplicatedTo: 0))
        let small = PeerMessage.write(ReplicatedWrite(sequence: 10, kind: .data, offsetBytes: 0, lengthBytes: 16,
                                                      data: ByteBuffer(bytes: Array(repeating: 0xAB, count: 16)),
                                                      fua: true, wantsAck: true, notReplicatedTo: 0))
        channel.write(ReplicationOutbound.message(.ping(1)), promise: nil)
        channel.write(ReplicationOutbound.message(write), promise: nil)
        channel.write(ReplicationOutbound.message(small), promise: nil)
        channel.flush()
        let buffers = try outbound(channel)
        // hello (flushed by writeOutbound) · ping + write header · the data itself · small write
        #expect(buffers.count == 4)
        let sameStorage = buffers[2].withUnsafeReadableBytes { sent in
            data.withUnsafeReadableBytes { original in sent.baseAddress == original.baseAddress }
        }
        #expect(sameStorage, "the payload was copied")
        #expect(try decodeAll(buffers) == [.hello(Self.hello), .message(.ping(1)), .message(write), .message(small)])
        _ = try channel.finish()
    }

    @Test("messages sent through the handler directly join the pipeline's writes in order")
    func sendKeepsOrder() throws {
        let (writer, channel, context) = try directWriter()
        writer.send(.ping(1), context: context)
        channel.write(ReplicationOutbound.message(.ping(2)), promise: nil)
        writer.send(.writeAck(WriteAck(sequence: 3, success: true)), context: context)
        writer.flush(context: context)
        let buffers = try outbound(channel)
        #expect(buffers.count == 1)
        #expect(try decodeAll(buffers) == [.hello(Self.hello), .message(.ping(1)), .message(.ping(2)),
                                           .message(.writeAck(WriteAck(sequence: 3, success: true)))])
        _ = try channel.finish()
    }

    @Test("acks of consecutive writes with one outcome leave as one ack for the run")
    func mergesAckRuns() throws {
        let (writer, channel, context) = try directWriter()
        func ack(_ sequence: UInt64, _ success: Bool = true) { writer.send(.writeAck(WriteAck(sequence: sequence, success: success)), context: context) }
        for s: UInt64 in 1...5 { ack(s) }
        ack(7)                     // a gap
        ack(8, false); ack(9, false)  // another outcome
        writer.send(.ping(1), context: context)
        ack(10)                    // after another message
        writer.flush(context: context)
        ack(11)                    // after a flush
        writer.flush(context: context)
        let run = { (s: UInt64, ok: Bool, n: UInt32) in ReplicationInbound.message(.writeAck(WriteAck(sequence: s, success: ok, count: n))) }
        #expect(try decodeAll(try outbound(channel)) == [.hello(Self.hello), run(1, true, 5), run(7, true, 1), run(8, false, 2),
                                                         .message(.ping(1)), run(10, true, 1), run(11, true, 1)])
        _ = try channel.finish()
    }

    @Test("a run stops at the most writes one ack may cover")
    func ackRunLimit() throws {
        let (writer, channel, context) = try directWriter()
        writer.send(.writeAck(WriteAck(sequence: 1, success: true, count: WriteAck.countMax - 1)), context: context)
        writer.send(.writeAck(WriteAck(sequence: UInt64(WriteAck.countMax), success: true)), context: context)
        writer.send(.writeAck(WriteAck(sequence: UInt64(WriteAck.countMax) + 1, success: true)), context: context)
        writer.flush(context: context)
        #expect(try decodeAll(try outbound(channel)) == [.hello(Self.hello),
                                                         .message(.writeAck(WriteAck(sequence: 1, success: true, count: WriteAck.countMax))),
                                                         .message(.writeAck(WriteAck(sequence: UInt64(WriteAck.countMax) + 1, success: true)))])
        _ = try channel.finish()
    }

    @Test("a write with a promise carries the frames held before it and completes the promise")
    func promisePassesDown() throws {
        let channel = EmbeddedChannel(handler: ReplicationFrameWriter())
        channel.write(ReplicationOutbound.hello(Self.hello), promise: nil)
        channel.write(ReplicationOutbound.message(.ping(1)), promise: nil)
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.write(ReplicationOutbound.message(.ping(2)), promise: promise)
        channel.flush()
        try promise.futureResult.wait()
        let buffers = try outbound(channel)
        #expect(buffers.count == 1)
        #expect(try decodeAll(buffers) == [.hello(Self.hello), .message(.ping(1)), .message(.ping(2))])
        _ = try channel.finish()
    }

    static func write4k(_ sequence: UInt64) -> PeerMessage {
        .write(ReplicatedWrite(sequence: sequence, kind: .data, offsetBytes: sequence * 4096, lengthBytes: 4096,
                               data: ByteBuffer(repeating: UInt8(truncatingIfNeeded: sequence), count: 4096),
                               fua: false, wantsAck: true, notReplicatedTo: 0))
    }

    @Test("the headers of a flush's writes share one buffer, each payload after its own header")
    func headersShareOneBuffer() throws {
        let (writer, channel, context) = try directWriter()
        for s: UInt64 in 1...3 { writer.send(Self.write4k(s), context: context) }
        writer.send(.ping(4), context: context)
        writer.flush(context: context)
        let buffers = try outbound(channel)
        // hello + header 1 · data 1 · header 2 · data 2 · header 3 · data 3 · ping
        #expect(buffers.count == 7)
        // Slices of one buffer lie end to end in memory; buffers allocated one per header do not.
        let span = buffers.map { b in b.withUnsafeReadableBytes { (start: UInt(bitPattern: $0.baseAddress), count: UInt($0.count)) } }
        for (header, next) in [(0, 2), (2, 4), (4, 6)] {
            #expect(span[header].start + span[header].count == span[next].start,
                    "the headers came from one buffer (an allocation per write header before)")
        }
        #expect(try decodeAll(buffers) == [.hello(Self.hello)] + (1...3).map { .message(Self.write4k($0)) } + [.message(.ping(4))])
        _ = try channel.finish()
    }

    @Test("the next flush's headers reuse the last buffer once the socket let go of it, never while it holds it")
    func headerBufferReuse() throws {
        let (writer, channel, context) = try directWriter()
        writer.send(Self.write4k(1), context: context)
        writer.flush(context: context)
        // The channel still holds the first flush's buffers: the second flush must not write
        // over their bytes.
        writer.send(Self.write4k(2), context: context)
        writer.send(.ping(3), context: context)
        writer.flush(context: context)
        func start(_ b: ByteBuffer) -> UInt { b.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } }
        let secondHeaders: UInt
        do {
            let held = try outbound(channel)
            #expect(try decodeAll(held) == [.hello(Self.hello), .message(Self.write4k(1)), .message(Self.write4k(2)), .message(.ping(3))])
            secondHeaders = start(held[2])  // hello + header 1, data 1, header 2, data 2, ping
        }
        // Nothing but the writer refers to the last buffer now: the next headers go into it.
        writer.send(Self.write4k(4), context: context)
        writer.flush(context: context)
        let next = try outbound(channel)
        var frames = ByteBuffer()
        for var b in next { frames.writeBuffer(&b) }
        var decoder = ReplicationFrameDecoder(framesOnlyFor: "test")
        #expect(try decoder.decode(buffer: &frames) == .message(Self.write4k(4)))
        #expect(frames.readableBytes == 0)
        #expect(start(next[0]) == secondHeaders, "the headers went into the buffer of the flush before")
        _ = try channel.finish()
    }

    @Test("past the payload bound everything held goes down before the flush, in order")
    func payloadBound() throws {
        // The writes the writer passes down are counted before the flush (an EmbeddedChannel
        // shows only flushed ones).
        let counter = PassedDown()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(counter)
        let writer = ReplicationFrameWriter()
        try channel.pipeline.syncOperations.addHandler(writer)
        let context = try channel.pipeline.syncOperations.context(handlerType: ReplicationFrameWriter.self)
        channel.write(ReplicationOutbound.hello(Self.hello), promise: nil)
        let count = ReplicationFrameWriter.pendingPayloadsMax + 2
        for s in 1...count { writer.send(Self.write4k(UInt64(s)), context: context) }
        #expect(counter.writes == 2 * ReplicationFrameWriter.pendingPayloadsMax,
                "the first \(ReplicationFrameWriter.pendingPayloadsMax) writes went down (a header slice and a payload each)")
        writer.flush(context: context)
        #expect(try decodeAll(try outbound(channel)) == [.hello(Self.hello)] + (1...count).map { .message(Self.write4k(UInt64($0))) })
        _ = try channel.finish()
    }
}

/// Counts the buffers written through it.
final class PassedDown: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    var writes = 0
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        writes += 1
        context.write(data, promise: promise)
    }
}
