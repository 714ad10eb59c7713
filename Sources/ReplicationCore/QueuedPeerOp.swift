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
    var extents: [UInt32]?
    var neededVersion: UInt64 = 0
}
