import ReplicationCore

/// Takes a connection's messages straight from its `ReplicationFrameReassembler`, in the order
/// they were decoded, on the channel's event loop, during the reassembler's `channelRead` (so
/// before the `channelReadComplete` of the read that brought them).
public protocol ReplicationMessageSink: AnyObject {
    func receive(_ message: PeerMessage)
}
