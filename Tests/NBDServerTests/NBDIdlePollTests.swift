import NIOCore
import NIOPosix
import Testing
@testable import NBDServer

/// The server busy-polls its connections after a reply (`NBDLoopIdlePoll`): a client at queue
/// depth 1 has its next request taken by a poll, not by a wake-up, and every reply is right.
@Suite struct NBDIdlePollTests {
    /// 4 KiB requests one at a time, each checked, as fio's 4k qd1 jobs send them, until a poll
    /// took one or `requests` were sent; returns the server's poll counts. The server has a loop
    /// of its own, so a poll never holds up the client. (On a loaded machine a poll may lose its
    /// CPU and turn polling off for a while: hence "until", not a fixed count.)
    func queueDepthOneRun(idlePollMaxMicroseconds: Int, requests: Int = 3000) async throws -> (caught: Int, missed: Int) {
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let fixture = try await NBDServerLiveTests.Fixture(idlePollMaxMicroseconds: idlePollMaxMicroseconds, group: loop)
        let client = try await fixture.connect("alpha")
        for i in 0..<requests {
            let block = ByteBuffer(repeating: UInt8(truncatingIfNeeded: i), count: 4096)
            let offset = UInt64(i % 64) * 4096
            if i % 2 == 0 {
                try await client.write(offset: offset, data: block, fua: false)
            } else {
                let expected = ByteBuffer(repeating: UInt8(truncatingIfNeeded: i - 1), count: 4096)
                #expect(try await client.read(offset: UInt64((i - 1) % 64) * 4096, length: 4096) == expected)
            }
            if i % 200 == 199, await fixture.server.idlePollCounts().caught > 0 { break }
        }
        await client.close()
        let counts = await fixture.server.idlePollCounts()
        await fixture.shutdown()
        try await loop.shutdownGracefully()
        return counts
    }

    @Test func aQueueDepthOneClientsNextRequestIsTakenByAPoll() async throws {
        // A generous largest window: on a loaded test machine the client's next request can take
        // a while; what is checked is that polls happen and take requests, not how fast.
        let counts = try await queueDepthOneRun(idlePollMaxMicroseconds: 5000)
        #expect(counts.caught > 0, "no request was taken by a poll (\(counts.missed) polls ran out)")
    }

    @Test func withPollingOffTheServerNeverPolls() async throws {
        let counts = try await queueDepthOneRun(idlePollMaxMicroseconds: 0, requests: 400)
        #expect(counts.caught == 0 && counts.missed == 0)
    }
}
