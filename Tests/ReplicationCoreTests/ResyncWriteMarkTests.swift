import NIOCore
import Testing
@testable import ReplicationCore

/// The shell writes resync data around the page cache (Engine's `DirectWrite`) and everything
/// else through it, so the core must tell the two apart by each action's purpose.
@Suite("Replication core: resync writes are told apart from other writes")
struct ResyncWriteMarkTests {
    @Test("during a full sync the target's data writes are resync writes; a replicated write afterwards is not")
    func marksOnlyResyncWrites() {
        let cluster = SimCluster(nodeCount: 2, sizeBytes: 256 * 1024)
        // Non-zero data on the source: zero runs travel as `.zeroes` and become writeZeroes.
        for i in cluster.nodes[0].data.indices { cluster.nodes[0].data[i] = UInt8(truncatingIfNeeded: i &* 7 &+ 1) }
        for n in 0 ..< 2 { cluster.admin(n, .connect(peer: nil, discardMyData: false)) }
        cluster.stabilize()
        cluster.admin(0, .primary(force: true))
        var resyncWrites = 0, otherWrites = 0
        /// Completes node 1's storage actions (and those they lead to, such as a write waiting
        /// for its activity-log update), sorting its data writes by what the core says they are.
        func drainTarget() {
            while let action = cluster.nodes[1].pending.first {
                if case .write = action {
                    if cluster.nodes[1].instance!.isResyncWrite(action.id) { resyncWrites += 1 } else { otherWrites += 1 }
                }
                cluster.completeStorage(1)
            }
        }
        for round in 0 ..< 10_000 where cluster.nodes[1].instance?.diskState != .upToDate {
            _ = cluster.connectWanted()
            while !cluster.nodes[0].pending.isEmpty { cluster.completeStorage(0) }
            while cluster.deliver(from: 0, to: 1) {}
            drainTarget()
            while cluster.deliver(from: 1, to: 0) {}
            if round % 10 == 9 { cluster.tick() }
        }
        #expect(cluster.nodes[1].instance?.diskState == .upToDate)
        #expect(cluster.nodes[1].data == cluster.nodes[0].data)
        #expect(resyncWrites > 0, "the resync's data writes are marked")
        #expect(otherWrites == 0, "nothing but resync data was written on the target during the sync")

        let id = cluster.submit(0, .write(ByteBuffer(repeating: 0x5a, count: 8192)), offset: 4096, length: 8192)
        resyncWrites = 0
        while !cluster.nodes[0].pending.isEmpty { cluster.completeStorage(0) }
        while cluster.deliver(from: 0, to: 1) {}
        drainTarget()
        cluster.stabilize()
        #expect(cluster.completions[id] == .done)
        #expect(resyncWrites == 0 && otherWrites == 1, "a replicated application write is not a resync write")
    }
}
