/// Everything that can happen to a replica. The shell turns each event into one `step`.
public enum ReplicaInput: Sendable, Equatable {
    /// Abstract time: the shell calls this `ReplicaConfig.ticksPerSecond` times a second.
    case tick
    /// A transport to `peer` is established (TCP connected); the core sends its handshake.
    case transportUp(NodeID)
    /// The transport to `peer` is gone (closed, reset, timed out).
    case transportDown(NodeID)
    /// A message arrived from `peer` (in the order the peer sent it).
    case message(PeerMessage, from: NodeID)
    /// An application request (NBD).
    case client(ClientRequest)
    /// Number of clients that have the volume open for writing changed (auto-promote/-demote).
    case writersChanged(count: Int)
    /// A storage or metadata action finished.
    case storage(StorageCompletion)
    case admin(AdminCommand, id: AdminRequestID)
}

public enum StorageResult: Sendable, Equatable {
    /// Write/flush/metadata durable as asked.
    case done
    /// Read data, count == requested length.
    case data([UInt8])
    /// The backing store failed; the text says how (for the admin's log).
    case failed(String)
}

public struct StorageCompletion: Sendable, Equatable {
    public var id: StorageOpID
    public var result: StorageResult
    public init(id: StorageOpID, result: StorageResult) {
        self.id = id
        self.result = result
    }
}
