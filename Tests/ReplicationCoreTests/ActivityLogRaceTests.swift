import NIOCore
import Testing
@testable import ReplicationCore

/// Regression test of a data-safety bug found in session 5 (fixed in session 6).
///
/// A write into an activity-log extent that an earlier write just added must wait for the same
/// log transaction (DRBD: every writer into an extent waits until the AL transaction holding it
/// is on disk). The core's in-memory log already listed the extent, so the second write started
/// at once: its data could reach the disk while the durable log did not cover it, and a crash
/// of the Primary then left no trace that the peer lacked it. After the resync both replicas
/// were UpToDate with different data. The fix: each extent remembers the metadata version that logs
/// it, and every writer waits for that version (`ReplicaInstance.activateExtents`).
@Suite("Activity log: a second writer into a newly logged extent")
struct ActivityLogRaceTests {
    @Test("waits for the log transaction, so a crash cannot leave uncovered data")
    func secondWriterWaitsForLogTransaction() {
        let cluster = SimCluster(nodeCount: 2, sizeBytes: 32 * 1024, configure: { config in
            config.activityLogExtentBytes = 16 * 1024
            config.activityLogExtentsMax = 1
        })
        for n in 0 ..< 2 { cluster.admin(n, .connect(peer: nil, discardMyData: false)) }
        cluster.stabilize()
        cluster.admin(0, .primary(force: true))
        cluster.stabilize()
        cluster.submit(0, .write(ByteBuffer(repeating: 1, count: 4096)), offset: 0, length: 4096)
        cluster.stabilize()

        // Extent 1 replaces extent 0 in the one-extent log; its log write is pending. The second
        // write into extent 1 must not be issued (to the disk or the peer) before it is durable.
        cluster.submit(0, .write(ByteBuffer(repeating: 2, count: 4096)), offset: 16384, length: 4096)
        let sentBefore = cluster.links[cluster.key(0, 1)]?.queues[1]?.count ?? 0
        cluster.submit(0, .write(ByteBuffer(repeating: 3, count: 4096)), offset: 20480, length: 4096)
        let sentAfter = cluster.links[cluster.key(0, 1)]?.queues[1]?.count ?? 0

        // Crash with every issued data write on the disk and no metadata write, restart, heal.
        cluster.crash(0, applyPending: { action in
            if case .write = action { return true }
            return false
        })
        cluster.restart(0)
        cluster.stabilize()

        let bothUpToDate = (0 ..< 2).allSatisfy { cluster.nodes[$0].instance?.diskState == .upToDate }
        #expect(sentAfter == sentBefore, "the second write went out before its extent was in the durable log")
        #expect(bothUpToDate && cluster.nodes[0].data == cluster.nodes[1].data,
                "UpToDate replicas differ after the Primary's crash")
    }
}
