import NIOCore
import Testing
@testable import ReplicationCore

/// Activity-log transactions batch as DRBD's do: extents asked for while one metadata write is
/// in flight all go into the next write, and the writes waiting for it start together.
@Suite("Replication core: activity-log transactions batch")
struct ActivityLogBatchTests {
    func metadataWrites(_ cluster: SimCluster, _ n: Int) -> [MetadataUpdate] {
        cluster.nodes[n].pending.compactMap { if case .writeMetadata(_, let update) = $0 { return update } else { return nil } }
    }

    func dataWrites(_ cluster: SimCluster, _ n: Int) -> [UInt64] {
        cluster.nodes[n].pending.compactMap { if case .write(_, let offset, _, _) = $0 { return offset } else { return nil } }
    }

    func completeMetadata(_ cluster: SimCluster, _ n: Int) {
        let index = cluster.nodes[n].pending.firstIndex { if case .writeMetadata = $0 { return true } else { return false } }!
        cluster.completeStorage(n, index: index)
    }

    @Test("writes into 20 fresh extents during one metadata write need one more, not 20 in turn")
    func batches() {
        let extent: UInt64 = 16 * 1024
        let cluster = SimCluster(nodeCount: 1, sizeBytes: 64 * extent, configure: { $0.activityLogExtentBytes = extent }, thin: true)
        cluster.admin(0, .primary(force: true))
        cluster.stabilize()
        #expect(cluster.nodes[0].metadata!.header.activityLog.isEmpty)

        let first = cluster.submit(0, .write(ByteBuffer(repeating: 1, count: 4096)), offset: 0, length: 4096)
        #expect(metadataWrites(cluster, 0).count == 1, "the first extent starts a transaction")
        #expect(dataWrites(cluster, 0).isEmpty, "the write waits until its extent is durable in the log")
        var later: [UInt64] = []
        for k in 1 ... 20 {
            later.append(cluster.submit(0, .write(ByteBuffer(repeating: UInt8(k), count: 4096)), offset: UInt64(k) * extent, length: 4096))
        }
        #expect(metadataWrites(cluster, 0).count == 1, "at most one transaction is in flight")
        #expect(dataWrites(cluster, 0).isEmpty)

        completeMetadata(cluster, 0)
        #expect(dataWrites(cluster, 0) == [0], "only the first write's extent is durable yet")
        let next = metadataWrites(cluster, 0)
        #expect(next.count == 1)
        #expect(next.first?.header.activityLog == (0 ... 20).map(UInt32.init), "one transaction holds all 20 extents")

        completeMetadata(cluster, 0)
        #expect(Set(dataWrites(cluster, 0)) == Set([0] + (1 ... 20).map { UInt64($0) * extent }), "all 20 start together")
        #expect(metadataWrites(cluster, 0).isEmpty)
        cluster.stabilize()
        for id in [first] + later { #expect(cluster.completions[id] == .done) }

        // Active extents need no transaction at all.
        _ = cluster.submit(0, .write(ByteBuffer(repeating: 9, count: 4096)), offset: 5 * extent + 4096, length: 4096)
        #expect(metadataWrites(cluster, 0).isEmpty)
        #expect(dataWrites(cluster, 0) == [5 * extent + 4096])
        cluster.stabilize()
    }
}
