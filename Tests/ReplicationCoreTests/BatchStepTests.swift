import NIOCore
import Testing
@testable import ReplicationCore

/// The engine feeds bursts of data-path events (a link's writes or acks from one read, the
/// completions of one iteration's small writes) to `step(batch:)`. It must do what stepping them
/// one by one does: same effects, same order, same state afterwards.
@Suite("step(batch:) does what stepping each event does")
struct BatchStepTests {
    static let micros: UInt64 = 1_000_000

    /// Two connected UpToDate replicas, node 0 Primary, after the initial sync.
    func connectedPair() -> SimCluster {
        let cluster = SimCluster(nodeCount: 2, sizeBytes: 1 << 20)
        for n in 0..<2 { _ = cluster.admin(n, .connect(peer: nil, discardMyData: false)) }
        cluster.stabilize()
        _ = cluster.admin(0, .primary(force: true))
        cluster.stabilize()
        return cluster
    }

    /// One by one (each at the same clock), the outputs joined in order.
    func stepEach(_ instance: inout ReplicaInstance, _ inputs: [ReplicaInput]) -> ReplicaOutput {
        var joined = ReplicaOutput()
        for input in inputs { joined.append(instance.step(input, atMicros: Self.micros)) }
        return joined
    }

    func completions(of output: ReplicaOutput) -> [ReplicaInput] {
        output.storage.map { .storage(StorageCompletion(id: $0.id, result: .done)) }
    }

    /// Steps `inputs` into both copies, one by one and as a batch, checks the outputs agree, then
    /// completes the storage actions they issued (metadata first, then the data it allowed) the
    /// same two ways until none is left. Returns everything the batch copy emitted.
    func stepBoth(_ each: inout ReplicaInstance, _ batch: inout ReplicaInstance, _ inputs: [ReplicaInput],
                  sourceLocation: SourceLocation = #_sourceLocation) -> ReplicaOutput {
        var all = ReplicaOutput()
        var next = inputs
        for _ in 0..<10 where !next.isEmpty {
            let outEach = stepEach(&each, next)
            let outBatch = batch.step(batch: next, atMicros: Self.micros)
            #expect(outBatch == outEach, sourceLocation: sourceLocation)
            all.append(outBatch)
            next = completions(of: outBatch)
        }
        #expect(next.isEmpty, "storage settles", sourceLocation: sourceLocation)
        #expect(batch.metadataSnapshot == each.metadataSnapshot, sourceLocation: sourceLocation)
        return all
    }

    @Test("a Primary's write completions and the peer's acks, and the peer's writes and their completions")
    func sameAsOneByOne() throws {
        let cluster = connectedPair()
        var primary = try #require(cluster.nodes[0].instance)
        var secondary = try #require(cluster.nodes[1].instance)
        #expect(primary.currentRole == .primary && secondary.diskState == .upToDate)

        // Eight client writes, two of them to the same block (local storage serialises those).
        var submitted = ReplicaOutput()
        for k in 0..<8 {
            let offset = UInt64(k == 7 ? 0 : k) * 4096
            let request = ClientRequest(id: ClientRequestID(UInt64(100 + k)), operation: .write(ByteBuffer(repeating: UInt8(k), count: 4096)),
                                        offsetBytes: offset, lengthBytes: 4096, fua: false)
            submitted.append(primary.step(.client(request), atMicros: Self.micros))
        }
        // The first write put the blocks' activity-log extent in the log: every write into that
        // extent waits for the log transaction (a metadata write), then all eight go out. (Before,
        // the first waited alone and the other seven went out at once, their data possibly on
        // disk before the log covered it.)
        let isLogWrite = { (action: StorageAction) -> Bool in if case .writeMetadata = action { true } else { false } }
        #expect(submitted.messages.isEmpty && !submitted.storage.isEmpty && submitted.storage.allSatisfy(isLogWrite),
                "no write starts before its activity-log extent is durable")
        var started = ReplicaOutput()
        for action in submitted.storage {
            started.append(primary.step(.storage(StorageCompletion(id: action.id, result: .done)), atMicros: Self.micros))
        }
        let writes = started.messages.filter { if case .write = $0.message { true } else { false } }
        #expect(writes.count == 8, "every write goes out once its extent is logged")

        // The peer: its writes arrive as one burst, then its disk completes them as one.
        var secondaryEach = secondary
        let arrivals = writes.map { ReplicaInput.message($0.message, from: NodeID(0)) }
        let taken = stepBoth(&secondaryEach, &secondary, arrivals)
        let acks = taken.messages.filter { if case .writeAck = $0.message { true } else { false } }
        #expect(acks.count == 8, "one ack per write")

        // The Primary: its own disk completes, then the acks arrive as one burst.
        var primaryEach = primary
        let localDone = stepBoth(&primaryEach, &primary, completions(of: started))
        let finished = stepBoth(&primaryEach, &primary, acks.map { .message($0.message, from: NodeID(1)) })
        #expect(finished.completions.count == 8, "every write that reached both disks completes")
        #expect(localDone.messages.count + finished.messages.count == 0, "nothing was left waiting")
        #expect(primary.requestsInFlight == 0 && primaryEach.requestsInFlight == 0)
    }

    /// The engine hands a Primary's client requests of one event-loop iteration to the core as
    /// one batch while a peer link is up (`ResourceRuntime.stepPendingClientRequests`).
    @Test("a Primary's client requests: into a cold extent, then a flush and writes into a logged one, two to one block")
    func clientRequestsSameAsOneByOne() throws {
        let cluster = connectedPair()
        var primary = try #require(cluster.nodes[0].instance)
        var primaryEach = primary
        func writes(_ ids: Range<Int>, extentStride: UInt64) -> [ReplicaInput] {
            ids.map { k in
                let offset = (k % 4 == 3 ? 0 : UInt64(k)) * extentStride
                return .client(ClientRequest(id: ClientRequestID(UInt64(200 + k)), operation: .write(ByteBuffer(repeating: UInt8(k), count: 4096)),
                                             offsetBytes: offset, lengthBytes: 4096, fua: false))
            }
        }
        // Into a cold extent first (the writes wait for its log transaction), then a flush and
        // eight more into the extent now logged, which go out at once.
        let cold = stepBoth(&primaryEach, &primary, writes(0..<8, extentStride: 64 << 10))
        #expect(cold.completions.isEmpty && !cold.messages.isEmpty, "the writes went to the peer and wait for its acks")
        let flush = ReplicaInput.client(ClientRequest(id: ClientRequestID(300), operation: .flush, offsetBytes: 0, lengthBytes: 0, fua: false))
        let warm = stepBoth(&primaryEach, &primary, [flush] + writes(8..<16, extentStride: 64 << 10))
        #expect(warm.messages.count >= 9, "the flush and the eight writes went to the peer")
        #expect(primary.requestsInFlight == 17 && primaryEach.requestsInFlight == 17)
    }
}
