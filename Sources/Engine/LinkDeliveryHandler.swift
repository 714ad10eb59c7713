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
final class LinkDeliveryHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ReplicationInbound
    typealias InboundOut = ReplicationInbound
    typealias OutboundIn = Never

    /// Messages a peer may send between its hello and our acceptance of the link; more than this
    /// is not a peer following the protocol.
    static let heldMessagesMax = 4096

    private var sawHello = false
    private var held: [PeerMessage] = []
    private var deliver: ((PeerMessage) -> Bool)?
    private var readPending = false
    private let peer: String

    init(peer: String) { self.peer = peer }

    /// Called on the channel's event loop once the runtime accepted the link. `deliver` returns
    /// false when the link was replaced or dropped meanwhile: the channel is closed then.
    func arm(context: ChannelHandlerContext, _ deliver: @escaping (PeerMessage) -> Bool) {
        self.deliver = deliver
        let waiting = held
        held = []
        for message in waiting where !forward(message, context: context) { return }
        if readPending {
            readPending = false
            context.read()
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let inbound = unwrapInboundIn(data)
        guard sawHello else {
            sawHello = true
            context.fireChannelRead(data)
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
        _ = forward(message, context: context)
    }

    /// While messages are held, stop reading: the socket's buffer is the back-pressure.
    func read(context: ChannelHandlerContext) {
        if sawHello && deliver == nil && !held.isEmpty {
            readPending = true
            return
        }
        context.read()
    }

    private func forward(_ message: PeerMessage, context: ChannelHandlerContext) -> Bool {
        guard let deliver, deliver(message) else {
            context.close(promise: nil)
            return false
        }
        return true
    }
}
