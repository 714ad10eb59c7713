import Glibc
import ListenerTestSupport
import NBDProtocol
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

    /// A client that sends its requests one at a time, as a qd1 client does, but never reads a
    /// reply, as a deep-queue client that is behind on reading looks to the server: the server
    /// must not poll for it (each request is its own busy period, and its idle periods are short
    /// enough that polling would be on for a client that reads).
    @Test func aClientBehindOnReadingRepliesIsNeverPolledFor() async throws {
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let fixture = try await NBDServerLiveTests.Fixture(idlePollMaxMicroseconds: 5000, group: loop)
        let fd = try Self.connectRaw(fixture.socket, export: "alpha")
        // The handshake waits for each reply, and so does the first request: polls there are
        // right. Counted once the first reply is out and its poll (at most 5 ms) has ended.
        var before = (caught: 0, missed: 0)
        for i in 0..<300 {
            if i == 1 {
                for _ in 0..<1000 where Self.unread(fd) < 16 { usleep(1000) }
                usleep(200_000)
                before = await fixture.server.idlePollCounts()
            }
            var request = ByteBuffer()
            request.writeNBDRequest(NBDRequest(type: .write, cookie: UInt64(i), offset: UInt64(i % 64) * 512, length: 512))
            request.writeRepeatingByte(UInt8(truncatingIfNeeded: i), count: 512)
            try Self.send(fd, request)
            usleep(300)  // the server answers and goes idle; the next request comes well within its window
        }
        // Every reply was sent (300 of 16 bytes), none read: the server was idle after each one.
        var unread = 0
        for _ in 0..<500 where unread < 300 * 16 {
            usleep(10_000)
            unread = Self.unread(fd)
        }
        #expect(unread == 300 * 16)
        let counts = await fixture.server.idlePollCounts()
        close(fd)
        await fixture.shutdown()
        try await loop.shutdownGracefully()
        #expect(counts == before, "polled for a client that does not read its replies: \(before) before, \(counts) after")
    }

    /// A blocking unix socket to the server at `path`, through the handshake (EXPORT_NAME, no
    /// zeroes) into transmission.
    static func connectRaw(_ path: String, export: String) throws -> CInt {
        let fd = socket(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NBDTestFailure("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { close(fd); throw NBDTestFailure("connect: errno \(errno)") }
        try receive(fd, count: NBDWireSize.greeting)
        var hello = ByteBuffer()
        hello.writeNBDClientFlags([.fixedNewstyle, .noZeroes])
        hello.writeNBDOption(NBDOption.exportName(export).request())
        try send(fd, hello)
        try receive(fd, count: NBDWireSize.exportNameReply)
        return fd
    }

    /// Bytes the server sent that wait in `fd` (looked at, not read).
    static func unread(_ fd: CInt) -> Int {
        var peek = [UInt8](repeating: 0, count: 1 << 16)
        return max(0, peek.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, CInt(MSG_PEEK | MSG_DONTWAIT)) })
    }

    static func send(_ fd: CInt, _ bytes: ByteBuffer) throws {
        try bytes.withUnsafeReadableBytes { try TestSocketPair.send($0, to: fd) }
    }

    static func receive(_ fd: CInt, count: Int) throws {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + got, count - got) }
            guard n > 0 else { throw NBDTestFailure("read: \(n == 0 ? "end of stream" : "errno \(errno)")") }
            got += n
        }
    }
}

struct NBDTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
