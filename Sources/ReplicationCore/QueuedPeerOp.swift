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

extension QueuedPeerOp {
    /// The barrier's number, nil for a write. These read the op in place (no copy of the payload).
    var flushNumber: UInt64? {
        if case .flush(let number) = kind { return number }
        return nil
    }
    var writeOffsetBytes: UInt64 {
        if case .write(let write) = kind { return write.offsetBytes }
        return 0
    }
    var writeLengthBytes: UInt64 {
        if case .write(let write) = kind { return UInt64(write.lengthBytes) }
        return 0
    }
}

