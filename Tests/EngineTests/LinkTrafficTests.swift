@testable import Engine
import NBDProtocol
import NIOCore
import ReplicationCore
import ScratchFolders
import Testing

/// The runtime counts a link's write bytes for status once per run of messages to a peer (the
/// writes of one step), not per message: the counts must still be every byte replicated.
@Suite("Replicated write bytes counted per link", .removesScratchFolders)
struct LinkTrafficTests {
    @Test func sentAndReceivedCountEveryReplicatedByte() async throws {
        let (alpha, beta, _) = try await ClientRequestBatchTests.connectedPair("traffic")
        let sentBefore = try await ClientRequestBatchTests.onLoop(alpha) { $0.volumes[0]!.traffic[1]?.sent ?? 0 }
        let receivedBefore = try await ClientRequestBatchTests.onLoop(beta) { $0.volumes[0]!.traffic[0]?.received ?? 0 }
        // One write alone, then five of different sizes handed in within one iteration (one step,
        // one run of messages to beta).
        #expect(await alpha.submit(0, .write(ByteBuffer(repeating: 1, count: 4096)), offset: 0, length: 4096, fua: false) == .done)
        let sink = RecordingSink()
        let sizes = [4096, 8192, 512, 65536, 4096]
        try await ClientRequestBatchTests.onLoop(alpha) { runtime in
            var offset = 8192
            for (k, size) in sizes.enumerated() {
                let payload = ByteBuffer(repeating: UInt8(k + 2), count: size)
                let command = NBDCommand.write(cookie: UInt64(k + 1), offset: UInt64(offset), data: payload, fua: false)
                runtime.submitOnLoop(0, .write(payload), offset: UInt64(offset), length: UInt32(size), fua: false, waiter: .export(sink, command))
                offset += 65536
            }
        }
        for _ in 0..<200 where sink.outcomes.withLock({ $0.count }) < sizes.count { try await Task.sleep(for: .milliseconds(20)) }
        #expect(sink.outcomes.withLock { $0.count == sizes.count && $0.allSatisfy(\.ok) })
        let expected = UInt64(4096 + sizes.reduce(0, +))
        let sent = try await ClientRequestBatchTests.onLoop(alpha) { $0.volumes[0]!.traffic[1]?.sent ?? 0 }
        #expect(sent - sentBefore == expected, "alpha counted every byte it sent to beta")
        let received = try await ClientRequestBatchTests.onLoop(beta) { $0.volumes[0]!.traffic[0]?.received ?? 0 }
        #expect(received - receivedBefore == expected, "beta counted every byte it received")
        await alpha.stop()
        await beta.stop()
    }
}
