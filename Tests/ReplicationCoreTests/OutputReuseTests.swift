import NIOCore
import Testing
@testable import ReplicationCore

/// The engine hands each carried-out output back to its core (`reuseStorage(of:)`) so that the
/// next step fills the same arrays. That must change nothing a step emits: no entry of an
/// earlier output may come out again, and nothing may be lost.
@Suite("reusing a spent output's storage changes no output")
struct OutputReuseTests {
    static let micros: UInt64 = 1_000_000

    /// Two connected UpToDate replicas, node 0 Primary, after the initial sync.
    func connectedPair() throws -> [ReplicaInstance] {
        let cluster = SimCluster(nodeCount: 2, sizeBytes: 1 << 20)
        for n in 0..<2 { _ = cluster.admin(n, .connect(peer: nil, discardMyData: false)) }
        cluster.stabilize()
        _ = cluster.admin(0, .primary(force: true))
        cluster.stabilize()
        return try (0..<2).map { try #require(cluster.nodes[$0].instance) }
    }

    @Test("replicated writes, their activity-log writes, copies on the peer and acks: same outputs with and without reuse")
    func sameOutputs() throws {
        var plain = try connectedPair()
        var reusing = plain
        #expect(plain[0].currentRole == .primary && plain[1].diskState == .upToDate)
        // Twelve writes to five blocks (the core holds a write back while an overlapping one is
        // in flight) and one with FUA, so outputs vary in size and content from step to step.
        var queue: [(node: Int, input: ReplicaInput)] = (0..<12).map { k in
            let offset = UInt64(k % 5) * 4096
            let request = ClientRequest(id: ClientRequestID(UInt64(200 + k)), operation: .write(ByteBuffer(repeating: UInt8(k), count: 4096)),
                                        offsetBytes: offset, lengthBytes: 4096, fua: k == 3)
            return (0, .client(request))
        }
        var completed: [ClientCompletion] = []
        var steps = 0
        var reusedNonEmpty = 0
        while !queue.isEmpty && steps < 1000 {
            steps += 1
            let (n, input) = queue.removeFirst()
            let expected = plain[n].step(input, atMicros: Self.micros)
            let got = reusing[n].step(input, atMicros: Self.micros)
            #expect(got == expected, "step \(steps) on node \(n)")
            for action in expected.storage { queue.append((n, .storage(StorageCompletion(id: action.id, result: .done)))) }
            for m in expected.messages { queue.append((Int(m.to.rawValue), .message(m.message, from: NodeID(UInt8(n))))) }
            completed += expected.completions
            if !got.storage.isEmpty || !got.messages.isEmpty { reusedNonEmpty += 1 }
            reusing[n].reuseStorage(of: got)
        }
        #expect(queue.isEmpty, "the writes settle")
        #expect(reusedNonEmpty > 5, "outputs with entries were handed back")
        #expect(completed.count == 12 && completed.allSatisfy { $0.result == .done }, "every write completes once, successfully")
        #expect(Set(completed.map(\.id)).count == 12)
        #expect(reusing[0].metadataSnapshot == plain[0].metadataSnapshot && reusing[1].metadataSnapshot == plain[1].metadataSnapshot)
    }

    @Test("an output handed back while the next one already holds entries is ignored")
    func notWhileTheNextHoldsEntries() throws {
        var nodes = try connectedPair()
        let request = ClientRequest(id: ClientRequestID(300), operation: .write(ByteBuffer(repeating: 1, count: 4096)),
                                    offsetBytes: 0, lengthBytes: 4096, fua: false)
        let first = nodes[0].step(.client(request), atMicros: Self.micros)
        #expect(!first.isEmpty)
        nodes[0].output.completions.append(ClientCompletion(id: ClientRequestID(301), result: .done))
        nodes[0].reuseStorage(of: first)
        #expect(nodes[0].output.completions == [ClientCompletion(id: ClientRequestID(301), result: .done)])
        #expect(nodes[0].output.storage.isEmpty && nodes[0].output.messages.isEmpty)
    }
}
