/// Who starts the first full sync of a brand-new resource. Fresh replicas are all Inconsistent
/// and no replica may claim to hold the truth on its own; LINSTOR's satellite settles this by
/// forcing one node to be the sync source. Here: the diskful node with the lowest node id, and
/// only while every diskful replica is connected and still Inconsistent, so no data anywhere can
/// be overwritten by the forced source.
public enum InitialSync {
    public struct Peer: Sendable, Equatable {
        public var nodeId: Int
        public var diskless: Bool
        /// Connected now (a peer the engine does not report is not connected).
        public var connected: Bool
        /// The peer's disk state per volume, as seen from here.
        public var disks: [String]
        public init(nodeId: Int, diskless: Bool, connected: Bool, disks: [String]) {
            self.nodeId = nodeId; self.diskless = diskless; self.connected = connected; self.disks = disks
        }
    }

    /// True when this node should run `primary --force` (then `secondary`) once, now.
    /// - Parameters:
    ///   - pending: the resource was created by this satellite and never was UpToDate here.
    ///   - myDisks: the local disk state of each volume.
    public static func shouldForce(pending: Bool, myNodeId: Int, myDisks: [String], peers: [Peer]) -> Bool {
        guard pending, !myDisks.isEmpty, myDisks.allSatisfy({ $0 == "Inconsistent" }) else { return false }
        for peer in peers where !peer.diskless {
            guard peer.nodeId > myNodeId, peer.connected,
                  !peer.disks.isEmpty, peer.disks.allSatisfy({ $0 == "Inconsistent" }) else { return false }
        }
        return true
    }
}
