import Testing
@testable import ReplicationCore

/// The engine serves NBD READs straight from the backing store while `readsLocally` holds,
/// without asking the core. That is only correct if the property says exactly what the core
/// does with a read: here every state a replica passes through is checked by submitting a real
/// read and looking for the local storage read in the core's output.
@Suite("readsLocally says where the core sends a read")
struct LocalReadDecisionTests {
    /// Checks the prediction against the core's behaviour for a fresh 4 KiB read on node `n`.
    func expectReadDecision(_ cluster: SimCluster, node n: Int, local expected: Bool, _ when: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        let predicted = cluster.nodes[n].instance!.readsLocally
        #expect(predicted == expected, "n\(n) \(when): readsLocally", sourceLocation: sourceLocation)
        let id = cluster.nextClientID
        cluster.nextClientID += 1
        let output = cluster.step(n, .client(ClientRequest(id: ClientRequestID(id), operation: .read,
                                                           offsetBytes: 8192, lengthBytes: 4096, fua: false)))!
        let issuedLocalRead = output.storage.contains { if case .read = $0 { true } else { false } }
        #expect(issuedLocalRead == predicted, "n\(n) \(when): the core's local read", sourceLocation: sourceLocation)
        cluster.stabilize()
    }

    @Test("Inconsistent, UpToDate, Primary without quorum, detached")
    func everyStateAgrees() {
        let cluster = SimCluster(nodeCount: 3, sizeBytes: 64 << 10, configure: { $0.quorum = .majority })
        for n in 0..<3 { cluster.admin(n, .connect(peer: nil, discardMyData: false)) }
        cluster.stabilize()
        for n in 0..<3 { expectReadDecision(cluster, node: n, local: false, "fresh and Inconsistent") }

        cluster.admin(0, .primary(force: true))  // answered once the peers agree
        cluster.stabilize()
        for n in 0..<3 { expectReadDecision(cluster, node: n, local: true, "UpToDate after the initial sync") }

        for m: UInt8 in [1, 2] { cluster.partition(0, m) }
        cluster.stabilize()
        expectReadDecision(cluster, node: 0, local: false, "Primary cut off from the majority (I/O suspended)")
        expectReadDecision(cluster, node: 1, local: true, "Secondary on the majority side")

        cluster.heal()
        cluster.admin(2, .detach)
        cluster.stabilize()
        expectReadDecision(cluster, node: 2, local: false, "detached (Diskless)")
    }
}
