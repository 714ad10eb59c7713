import NIOCore
import Testing
@testable import ReplicationCore

/// A replica that restarted after crashing as Primary is UpToDate by its disk state, but the
/// blocks its crash may have left different (a write that reached its disk and no peer) are
/// decided by the bitmap exchange with a peer at the same generation ("equal-crashed-primary":
/// the peer is the source). Until that exchange ends it must not serve them to a resync target
/// of its own: the target would keep the unacknowledged write while the exchange then replaced
/// it here (resync-lane seed 16: UpToDate replicas differing).
@Suite("Replication core: a resync source waits for its own pending bitmap exchange")
struct ResyncSourceExchangeTests {
    @Test("a crashed Primary's resync target gets the acknowledged data, not the write only its crash left")
    func crashedPrimaryServesOnlyAfterItsExchange() {
        let block: UInt64 = 8192
        let cluster = SimCluster(nodeCount: 3, sizeBytes: 64 * 1024)
        for n in 0 ..< 3 { cluster.admin(n, .connect(peer: nil, discardMyData: false)) }
        cluster.stabilize()
        cluster.admin(0, .primary(force: true))
        cluster.stabilize()
        cluster.admin(0, .secondary)
        cluster.stabilize()

        // n0 is cut off; n2 writes the block with n1 (a new generation n0 lacks).
        cluster.partition(0, 1)
        cluster.partition(0, 2)
        cluster.admin(2, .primary(force: false))
        cluster.stabilize()
        let acknowledged = cluster.submit(2, .write(ByteBuffer(repeating: 0x11, count: 4096)), offset: block, length: 4096)
        cluster.stabilize()
        #expect(cluster.completions[acknowledged] == .done)

        // A second write reaches n2's disk only: n2 crashes before n1 receives it.
        let lost = cluster.submit(2, .write(ByteBuffer(repeating: 0x22, count: 4096)), offset: block, length: 4096)
        cluster.crash(2, applyPending: { _ in true })
        #expect(cluster.completions[lost] == nil, "never acknowledged")
        #expect(cluster.nodes[2].data[Int(block)] == 0x22)

        // n2 comes back beside n0 (its resync target) and n1 (its source for the crash's
        // blocks). n1's side of their exchange is held back, so n2 waits for it while n0's
        // resync from n2 runs.
        cluster.blocked.remove([0, 2])
        cluster.blocked.remove([2, 0])
        cluster.restart(2)
        cluster.connectWanted()
        #expect(cluster.deliver(from: 1, to: 2), "n1's handshake reaches n2")
        cluster.stabilize(holdingLinks: [(from: 1, to: 2)])
        #expect(cluster.nodes[0].data[Int(block)] != 0x22, "n0 got the write only n2's crash left")

        cluster.stabilize()
        for _ in 0 ..< 20 {
            cluster.tick()
            cluster.stabilize()
        }
        for n in 0 ..< 3 {
            #expect(cluster.nodes[n].instance?.diskState == .upToDate, "n\(n) is \(String(describing: cluster.nodes[n].instance?.diskState))")
            #expect(cluster.nodes[n].data[Int(block)] == 0x11, "n\(n) holds the acknowledged write")
        }
    }
}
