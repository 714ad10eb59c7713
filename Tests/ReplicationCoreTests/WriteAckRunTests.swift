import NIOCore
import Testing
@testable import ReplicationCore

/// A peer's link writer merges the acks of writes completed in order into one `WriteAck` for
/// the run (`count`). The Primary's core must take such a run exactly as it takes the single
/// acks it stands for.
@Suite("A write ack for a run of writes")
struct WriteAckRunTests {
    static let micros: UInt64 = 1_000_000
    static let peer = NodeID(1)

    /// Node 0 Primary, connected to UpToDate node 1, with `count` 4 KiB writes to distinct blocks
    /// sent and done on the local disk: each now waits only for node 1's ack. Returns the
    /// instance and the writes' sequences in issue order.
    func primaryWaitingForAcks(_ count: Int) throws -> (ReplicaInstance, [UInt64]) {
        let cluster = SimCluster(nodeCount: 2, sizeBytes: 1 << 20)
        for n in 0..<2 { _ = cluster.admin(n, .connect(peer: nil, discardMyData: false)) }
        cluster.stabilize()
        _ = cluster.admin(0, .primary(force: true))
        cluster.stabilize()
        var primary = try #require(cluster.nodes[0].instance)
        var issued = ReplicaOutput()
        for k in 0..<count {
            let request = ClientRequest(id: ClientRequestID(UInt64(100 + k)), operation: .write(ByteBuffer(repeating: UInt8(k), count: 4096)),
                                        offsetBytes: UInt64(k) * 4096, lengthBytes: 4096, fua: false)
            issued.append(primary.step(.client(request), atMicros: Self.micros))
        }
        // The first write into an extent waits for the activity log's metadata write, so some
        // writes leave only after the completions below.
        var pending = issued.storage
        for _ in 0..<10 where !pending.isEmpty {
            let out = primary.step(batch: pending.map { .storage(StorageCompletion(id: $0.id, result: .done)) }, atMicros: Self.micros)
            #expect(out.completions.isEmpty, "nothing completes before the peer's ack")
            issued.append(out)
            pending = out.storage
        }
        let sequences = issued.messages.compactMap { m -> UInt64? in if case .write(let w) = m.message { w.sequence } else { nil } }
        #expect(sequences.count == count && primary.requestsInFlight == count)
        return (primary, sequences.sorted())
    }

    @Test("completes the writes it covers, in order, as their single acks do")
    func sameAsSingleAcks() throws {
        var (single, sequences) = try primaryWaitingForAcks(6)
        var run = single
        #expect(sequences == Array(sequences[0]...sequences[0] + 5), "consecutive sequences")
        let singles = single.step(batch: sequences.map { .message(.writeAck(WriteAck(sequence: $0, success: true)), from: Self.peer) },
                                  atMicros: Self.micros)
        let merged = run.step(.message(.writeAck(WriteAck(sequence: sequences[0], success: true, count: 6)), from: Self.peer),
                              atMicros: Self.micros)
        #expect(merged.completions.count == 6)
        #expect(merged == singles)
        #expect(run.requestsInFlight == 0 && run.metadataSnapshot == single.metadataSnapshot)
    }

    @Test("a run that covers part of the writes leaves the others waiting")
    func partialRun() throws {
        var (primary, sequences) = try primaryWaitingForAcks(4)
        var single = primary
        let singles = single.step(batch: sequences[1...2].map { .message(.writeAck(WriteAck(sequence: $0, success: true)), from: Self.peer) },
                                  atMicros: Self.micros)
        let out = primary.step(.message(.writeAck(WriteAck(sequence: sequences[1], success: true, count: 2)), from: Self.peer),
                               atMicros: Self.micros)
        #expect(out.completions.count == 2 && out == singles)
        #expect(primary.requestsInFlight == 2)
    }

    @Test("a run reaching past the last write issued acknowledges no later write")
    func runPastIssued() throws {
        var (primary, sequences) = try primaryWaitingForAcks(2)
        let out = primary.step(.message(.writeAck(WriteAck(sequence: sequences[0], success: true, count: WriteAck.countMax)), from: Self.peer),
                               atMicros: Self.micros)
        #expect(out.completions.count == 2)
        // The next write takes a sequence the run named; it still waits for its own ack.
        let later = ClientRequest(id: ClientRequestID(200), operation: .write(ByteBuffer(repeating: 9, count: 4096)),
                                  offsetBytes: 65536, lengthBytes: 4096, fua: false)
        let issued = primary.step(.client(later), atMicros: Self.micros)
        let done = primary.step(batch: issued.storage.map { .storage(StorageCompletion(id: $0.id, result: .done)) }, atMicros: Self.micros)
        #expect(done.completions.isEmpty && primary.requestsInFlight == 1)
    }

    @Test("a failed run marks every write it covers out of sync toward the peer")
    func failedRun() throws {
        var (primary, sequences) = try primaryWaitingForAcks(3)
        let out = primary.step(.message(.writeAck(WriteAck(sequence: sequences[0], success: false, count: 3)), from: Self.peer),
                               atMicros: Self.micros)
        #expect(out.completions.count == 3, "the local copies are durable")
        #expect(primary.outOfSyncBlocks(Self.peer) == 3)
    }
}
