/// A replicated write or barrier from a peer, waiting its turn (arrival order is kept so that
/// overlapping writes land in the writer's order).
struct QueuedPeerOp: Sendable {
    enum Kind: Sendable {
        case write(ReplicatedWrite)
        case flush(number: UInt64)
    }
    var from: NodeID
    var kind: Kind
    /// Activity-log extents taken for this write (nil: not yet).
    var extents: ClosedRange<UInt32>?
    var neededVersion: UInt64 = 0
    /// A write from this node's resync source during that resync (see `ResyncCoverage`).
    var bringsInSync: ResyncCoverage?
    /// Not the sender's own write: its copy of a write of this lost writer, which this node, its
    /// resync source, lacks (`onLostWriterTail`). Queued like a peer write, for the activity log.
    var lostTailOf: NodeID?
}

/// A replicated write from the node this node resyncs from, received during resync `session`:
/// once it is written here, the blocks it covers entirely are in sync with the source, which
/// wrote the same data (DRBD's target likewise sets them in sync, `EE_MAY_SET_IN_SYNC`). Without
/// this, a block the application rewrote while its resync reply was outstanding (that reply is
/// not written for it) was requested again, and travelled twice.
struct ResyncCoverage: Sendable {
    var session: UInt64
    var offsetBytes: UInt64
    var lengthBytes: UInt32
}
