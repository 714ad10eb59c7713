import NIOCore
import ReplicationCore
import ReplicationWire

/// Delivers a replication link's messages to the runtime straight from the channel, on the
/// runtime's own event loop, instead of through the async channel's stream and a task (each
/// message cost two thread wake-ups that way: the task's, then the actor's; a protocol C write
/// pays that twice, once for the write on the peer and once for its ack).
///
/// The hello exchange still uses the async channel: the first inbound message (the peer's hello)
/// passes through. Everything after it is held, and no more bytes are read, until the runtime
/// has accepted the link and `arm`s the handler; then the held messages and all later ones go to
/// `deliver` in arrival order. The async channel's stream sees nothing more and ends when the
/// channel closes, which is how the runtime still learns that the link is gone.
///
/// Messages decoded from one read of the socket go to `deliver` together, when the read is done
/// (`channelReadComplete`): the runtime steps its core once for a burst of writes or acks
/// rather than once per message.
///
/// Messages come from the reassembler before it as a `ReplicationMessageSink` (`receive`), not
/// through `channelRead`: that spares each one a heap box (see `ReplicationFrameReassembler`);
/// the hello still comes through `channelRead`, and both paths do the same.
final class LinkDeliveryHandler: ChannelDuplexHandler, RemovableChannelHandler, ReplicationMessageSink {
    typealias InboundIn = ReplicationInbound
    typealias InboundOut = ReplicationInbound
    typealias OutboundIn = Never

    /// Messages a peer may send between its hello and our acceptance of the link; more than this
    /// is not a peer following the protocol.
    static let heldMessagesMax = 4096

    /// A burst is handed on at this size even before its read is done (bounds the array).
    static let burstMessagesMax = 256

    private var sawHello = false
    private var held: [PeerMessage] = []
    /// Messages of the read in progress, not yet handed to `deliver`.
    private var burst: [PeerMessage] = []
    /// The array the previous burst was handed on in, emptied, kept for the next burst: handing
    /// on a copy of `burst` and emptying `burst` itself allocated a new array per read.
    private var spareBurst: [PeerMessage] = []
    private var deliver: (([PeerMessage]) -> Bool)?
    private var readPending = false
    private let peer: String
    /// This handler's context while it is in the pipeline, for messages taken by `receive`.
    private var context: ChannelHandlerContext?

    init(peer: String) { self.peer = peer }

    /// Called on the channel's event loop once the runtime accepted the link. `deliver` returns
    /// false when the link was replaced or dropped meanwhile: the channel is closed then.
    func arm(context: ChannelHandlerContext, _ deliver: @escaping ([PeerMessage]) -> Bool) {
        self.deliver = deliver
        let waiting = held
        held = []
        if !waiting.isEmpty && !forward(waiting, context: context) { return }
        if readPending {
            readPending = false
            context.read()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        take(unwrapInboundIn(data), context: context)
    }

    func receive(_ message: PeerMessage) {
        guard let context else { preconditionFailure("replication message for a delivery handler outside its pipeline") }
        take(.message(message), context: context)
    }

    private func take(_ inbound: ReplicationInbound, context: ChannelHandlerContext) {
        guard sawHello else {
            sawHello = true
            context.fireChannelRead(wrapInboundOut(inbound))
            return
        }
        guard case .message(let message) = inbound else {
            context.fireErrorCaught(ReplicationWireError(peer: peer, reason: "sent a second hello"))
            context.close(promise: nil)
            return
        }
        guard deliver != nil else {
            guard held.count < Self.heldMessagesMax else {
                context.fireErrorCaught(ReplicationWireError(peer: peer, reason: "sent more than \(Self.heldMessagesMax) messages before its link was accepted"))
                context.close(promise: nil)
                return
            }
            held.append(message)
            return
        }
        burst.append(message)
        if burst.count >= Self.burstMessagesMax { forwardBurst(context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        forwardBurst(context: context)
        context.fireChannelReadComplete()
    }

    /// What was decoded before the connection ended or failed still reaches the core, in order.
    func channelInactive(context: ChannelHandlerContext) {
        forwardBurst(context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        forwardBurst(context: context)
        context.fireErrorCaught(error)
    }

    /// While messages are held, stop reading: the socket's buffer is the back-pressure.
    func read(context: ChannelHandlerContext) {
        if sawHello && deliver == nil && !held.isEmpty {
            readPending = true
            return
        }
        context.read()
    }

    private func forwardBurst(context: ChannelHandlerContext) {
        guard !burst.isEmpty else { return }
        var messages = spareBurst
        swap(&messages, &burst)
        _ = forward(messages, context: context)
        // `deliver` keeps no reference to the array, so emptying it here frees no storage.
        messages.removeAll(keepingCapacity: true)
        spareBurst = messages
    }

    private func forward(_ messages: [PeerMessage], context: ChannelHandlerContext) -> Bool {
        guard let deliver, deliver(messages) else {
            context.close(promise: nil)
            return false
        }
        return true
    }
}
