/// Something a peer sent that this engine will not accept. The connection is closed and the
/// message (naming the peer) goes to the log and to `tandem adm status`. Nothing received before
/// the error is affected: frames are only handed on once complete and valid.
public struct ReplicationWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Who sent it ("node beta (127.0.0.2:7000)", or the address before the hello named it).
    public var peer: String
    public var reason: String

    public init(peer: String, reason: String) { self.peer = peer; self.reason = reason }

    public var description: String { "replication link from \(peer): \(reason)" }
}
