import NIOCore
import Testing
@testable import ReplicationCore

/// Skipping the initial sync of fresh thin volumes (DRBD `new-current-uuid --clear-bitmap`).
@Suite("Replication core: fresh thin volumes skip the initial sync")
struct FreshThinTests {
    func connectAll(_ cluster: SimCluster) {
        for n in cluster.nodes.indices where cluster.nodes[n].instance != nil {
            cluster.admin(n, .connect(peer: nil, discardMyData: false))
        }
        cluster.stabilize()
    }

    func disk(_ cluster: SimCluster, _ n: Int) -> DiskState? { cluster.nodes[n].instance?.diskState }
    func current(_ cluster: SimCluster, _ n: Int) -> Generation? { cluster.nodes[n].instance?.currentGenerations.current }

    @Test("two fresh thin replicas become UpToDate with one generation and no resync traffic")
    func twoNodes() {
        let cluster = SimCluster(nodeCount: 2, sizeBytes: 256 * 1024, thin: true)
        cluster.traceMessages = true
        connectAll(cluster)
        #expect(disk(cluster, 0) == .upToDate)
        #expect(disk(cluster, 1) == .upToDate)
        #expect(current(cluster, 0) == current(cluster, 1))
        #expect(current(cluster, 0)?.sameHistory(as: .justCreated) == false)
        #expect(!cluster.trace.contains { $0.contains("rs-request") || $0.contains("rs-reply") })
        for n in 0 ..< 2 {
            #expect(cluster.nodes[n].instance!.outOfSyncBlocks(NodeID(UInt8(1 - n))) == 0)
            #expect(cluster.nodes[n].metadata!.header.disk == .upToDate, "node \(n): UpToDate is durable")
            #expect(!cluster.nodes[n].metadata!.header.flags.contains(.freshThin), "node \(n): no longer fresh")
            #expect(cluster.nodes[n].metadata!.header.generations.current == current(cluster, n))
        }
    }

    @Test("three fresh thin replicas: all UpToDate at the same generation; writes then replicate")
    func threeNodesThenWrite() {
        let cluster = SimCluster(nodeCount: 3, sizeBytes: 256 * 1024, thin: true)
        connectAll(cluster)
        for n in 0 ..< 3 { #expect(disk(cluster, n) == .upToDate, "node \(n)") }
        #expect(current(cluster, 0) == current(cluster, 1) && current(cluster, 1) == current(cluster, 2))
        cluster.admin(2, .primary(force: false))
        cluster.stabilize()
        #expect(cluster.nodes[2].instance?.currentRole == .primary)
        let id = cluster.submit(2, .write(ByteBuffer(repeating: 0x5a, count: 8192)), offset: 4096, length: 8192)
        cluster.stabilize()
        #expect(cluster.completions[id] == .done)
        for n in 0 ..< 3 { #expect(cluster.nodes[n].data[4096 ..< 12288].allSatisfy { $0 == 0x5a }, "node \(n) holds the write") }
    }

    @Test("not every replica is fresh thin: no shortcut, the volume waits for a real initial sync")
    func mixedStaysInconsistent() {
        let cluster = SimCluster(nodeCount: 2, sizeBytes: 256 * 1024, thin: true)
        // Node 1 was not created thin (e.g. a thick volume): its metadata lacks the mark.
        cluster.crash(1)
        cluster.nodes[1].metadata!.header.flags.remove(.freshThin)
        cluster.boot(1)
        connectAll(cluster)
        #expect(disk(cluster, 0) == .inconsistent)
        #expect(disk(cluster, 1) == .inconsistent)
        #expect(current(cluster, 0)?.sameHistory(as: .justCreated) == true)
        // The ordinary way still works: primary --force makes node 0 the source of a full sync.
        cluster.admin(0, .primary(force: true))
        cluster.stabilize()
        #expect(disk(cluster, 1) == .upToDate)
    }

    @Test("only when every diskful replica is connected; the last one to connect completes it")
    func waitsForAllReplicas() {
        let cluster = SimCluster(nodeCount: 3, sizeBytes: 256 * 1024, thin: true)
        cluster.crash(2)
        connectAll(cluster)
        #expect(disk(cluster, 0) == .inconsistent)
        #expect(disk(cluster, 1) == .inconsistent)
        cluster.boot(2)
        connectAll(cluster)
        for n in 0 ..< 3 { #expect(disk(cluster, n) == .upToDate, "node \(n)") }
        #expect(current(cluster, 0) == current(cluster, 2))
    }

    @Test("a replica that was already synchronised is never declared fresh again")
    func notAfterData() {
        let cluster = SimCluster(nodeCount: 2, sizeBytes: 256 * 1024, thin: true)
        connectAll(cluster)
        // Node 1 loses its disk and comes back as a new fresh thin replica next to node 0 with data.
        cluster.crash(1)
        cluster.nodes[1].metadata = PersistedMetadata.create(for: cluster.nodes[1].config, thin: true)
        cluster.nodes[1].data = Array(repeating: 0, count: cluster.nodes[1].data.count)
        cluster.admin(0, .primary(force: false))
        cluster.stabilize()
        let id = cluster.submit(0, .write(ByteBuffer(repeating: 0x11, count: 4096)), offset: 0, length: 4096)
        cluster.stabilize()
        #expect(cluster.completions[id] == .done)
        cluster.boot(1)
        connectAll(cluster)
        #expect(disk(cluster, 1) == .upToDate)
        #expect(current(cluster, 1) == current(cluster, 0), "the new replica took node 0's generation, not one of its own")
        #expect(cluster.nodes[1].data[0 ..< 4096].allSatisfy { $0 == 0x11 }, "the new replica got the data by a full sync")
    }
}
