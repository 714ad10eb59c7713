import NIOCore

/// A request to the local backing store or metadata area. Offsets and lengths are in bytes and
/// always inside the volume.
public enum StorageAction: Sendable, Equatable {
    case read(id: StorageOpID, offsetBytes: UInt64, lengthBytes: UInt32)
    /// Write `data` at the offset; with `fua`, durable (e.g. O_DSYNC / fdatasync) before completing.
    case write(id: StorageOpID, offsetBytes: UInt64, data: ByteBuffer, fua: Bool)
    /// Deallocate; the range must read back as zeros afterwards (punch hole or write zeros).
    case trim(id: StorageOpID, offsetBytes: UInt64, lengthBytes: UInt32, fua: Bool)
    /// Write zeros (may deallocate).
    case writeZeroes(id: StorageOpID, offsetBytes: UInt64, lengthBytes: UInt32, fua: Bool)
    /// Make every write completed before this action was issued durable (fdatasync).
    case flush(id: StorageOpID)
    /// Apply and make durable (see `MetadataUpdate` for the crash-safe order).
    case writeMetadata(id: StorageOpID, MetadataUpdate)

    public var id: StorageOpID {
        switch self {
        case .read(let id, _, _), .write(let id, _, _, _), .trim(let id, _, _, _),
             .writeZeroes(let id, _, _, _), .flush(let id), .writeMetadata(let id, _):
            return id
        }
    }
}

public struct OutboundMessage: Sendable, Equatable {
    public var to: NodeID
    public var message: PeerMessage
    public init(to: NodeID, message: PeerMessage) {
        self.to = to
        self.message = message
    }
}

/// What the core wants from the transport layer.
public enum TransportDirective: Sendable, Equatable {
    /// Keep trying to establish a transport to the peer and report `.transportUp` when it is.
    case connect(NodeID)
    /// Close the transport to the peer (if any) and stop trying; report `.transportDown` if it
    /// was up. Messages emitted before this directive are sent first when possible.
    case disconnect(NodeID)
}

/// The effects of one `step` (raft's `Ready`, SWIM's directives).
///
/// ## Ordering contract (what the shell must do)
/// 1. **Dependencies are already resolved by the core.** The core emits an action only when
///    everything it depends on is durable: a local data write is emitted only after the metadata
///    (activity log extent, new generation, bitmap) it relies on has completed; a client write is
///    completed only after its local write and every required peer ack arrived; a `writeAck` to a
///    peer is emitted only after the local write completed. So the shell may start all
///    `storage` actions of one output at once and complete them in any order.
/// 2. **At most one `writeMetadata` is outstanding.** The core emits the next one only after the
///    previous completed; each must be durable (bitmap words, then header, then fsync) before its
///    completion is reported.
/// 3. **Overlapping data actions are never outstanding together**: the core serialises writes,
///    trims and reads that overlap, so storage may reorder freely.
/// 4. **Messages to one peer are sent in emission order** (across outputs), on one ordered
///    stream. Messages to a peer whose transport is down are dropped by the shell; the core
///    accounts for that when it sees `.transportDown`.
/// 5. **`completions` may be delivered to clients immediately**: they already satisfy the
///    durability the replication protocol promises (protocol C: durable locally and on every
///    connected diskful peer; protocol A: durable locally and handed to the send queue).
/// 6. `transport` directives and `events` are advisory/observational and may be acted on in any
///    order relative to the rest.
/// 7. The shell reports every storage action's completion exactly once (failure included); a
///    lost completion stalls the replica.
public struct ReplicaOutput: Sendable, Equatable {
    public var storage: [StorageAction] = []
    public var messages: [OutboundMessage] = []
    public var completions: [ClientCompletion] = []
    public var transport: [TransportDirective] = []
    public var adminReplies: [AdminReply] = []
    public var events: [StateEvent] = []

    public init() {}

    public var isEmpty: Bool {
        storage.isEmpty && messages.isEmpty && completions.isEmpty && transport.isEmpty
            && adminReplies.isEmpty && events.isEmpty
    }

    mutating func append(_ other: ReplicaOutput) {
        storage += other.storage
        messages += other.messages
        completions += other.completions
        transport += other.transport
        adminReplies += other.adminReplies
        events += other.events
    }
}
