import Testing
@testable import ReplicationCore

/// Both ends of a connection use the same replication protocol (A or C), as DRBD requires
/// (P_PROTOCOL, "incompatible protocol settings"). The equal-generation rules differ with
/// protocol A (`GenerationComparison`'s `asynchronous`, seed 930's rule) and each end reads its
/// own configuration: two ends that disagree would plan different resyncs from the same two
/// handshakes. The handshake carries the sender's protocol; a mismatch keeps the connection
/// down, retried, with the reason on it (`ConnectionStatus.message`, `tandem adm status`).
@Suite("Replication core: both ends of a connection use one replication protocol")
struct ReplicationProtocolAgreementTests {
    /// Two nodes with quorum off; n1 uses `n1Protocol` toward n0, n0 protocol C toward n1.
    static func cluster(n1Protocol: ReplicationProtocol) -> SimCluster {
        let cluster = SimCluster(nodeCount: 2, sizeBytes: 64 * 1024, configure: { config in
            if config.nodeID == NodeID(1) {
                config.peers = config.peers.map { var p = $0; p.replicationProtocol = n1Protocol; return p }
            }
        })
        for n in cluster.nodes.indices { cluster.admin(n, .connect(peer: nil, discardMyData: false)) }
        cluster.stabilize()
        return cluster
    }

    static func connection(_ cluster: SimCluster, _ n: Int) -> ConnectionStatus? { cluster.status(n)?.connections.first }

    /// Lets each end's deferred connect come due and the retry run.
    static func retry(_ cluster: SimCluster) {
        cluster.tick(Int(cluster.nodes[0].config.connectRetryTicks) + 1)
        cluster.stabilize()
    }

    @Test("ends with different protocols do not connect, and each says why on the connection")
    func mismatchRefusedOnBothEnds() throws {
        let cluster = Self.cluster(n1Protocol: .a)
        Self.retry(cluster)
        for (n, mine, theirs) in [(0, "C", "A"), (1, "A", "C")] {
            let connection = try #require(Self.connection(cluster, n))
            #expect(connection.connection != .connected, "n\(n) connected with mismatched protocols")
            let message = connection.message ?? ""
            #expect(message.contains("replicates with protocol \(theirs) and this node with protocol \(mine)"), "n\(n): \(message)")
            #expect(message.contains("tandem adm adjust r0"), "n\(n): \(message)")
        }
        // Agreeing again (n1 adjusted to C) connects them at the next retry, and the message goes.
        try cluster.reconfigure(1) { config in
            config.peers = config.peers.map { var p = $0; p.replicationProtocol = .c; return p }
        }
        Self.retry(cluster)
        for n in 0 ..< 2 {
            #expect(Self.connection(cluster, n)?.connection == .connected, "n\(n): \(String(describing: Self.connection(cluster, n)))")
            #expect(Self.connection(cluster, n)?.message == nil)
        }
    }

    /// `adjust` changes a peer's protocol in place. Kept connected, the adjusted end would run
    /// protocol A rules against a peer still on C until the peer is adjusted too (a rolling
    /// adjust, or a file changed on one node only): the connection starts again and its
    /// handshakes compare the protocols.
    @Test("an adjust that changes the protocol of a live connection starts it again")
    func adjustRenegotiates() throws {
        let cluster = Self.cluster(n1Protocol: .c)
        #expect(Self.connection(cluster, 0)?.connection == .connected)
        try cluster.reconfigure(0) { config in
            config.peers = config.peers.map { var p = $0; p.replicationProtocol = .a; return p }
        }
        cluster.stabilize()
        Self.retry(cluster)
        for n in 0 ..< 2 {
            #expect(Self.connection(cluster, n)?.connection != .connected, "n\(n) kept a connection with mismatched protocols")
            #expect(Self.connection(cluster, n)?.message?.contains("both ends must use the same") == true,
                    "n\(n): \(String(describing: Self.connection(cluster, n)))")
        }
        try cluster.reconfigure(1) { config in
            config.peers = config.peers.map { var p = $0; p.replicationProtocol = .a; return p }
        }
        Self.retry(cluster)
        for n in 0 ..< 2 { #expect(Self.connection(cluster, n)?.connection == .connected, "n\(n)") }
    }
}
