@testable import Engine
import EngineConfig
import Foundation
import Glibc
import ListenerTestSupport
import Logging
import NBDServer
import NIOCore
import NIOPosix
import ReplicationCore
import ReplicationWire
import ScratchFolders
import Testing

/// A link's resync connection (`ResourceRuntime+ResyncLane`), against a real engine on a real
/// port. The test plays the peer with the lower node id (alpha, the dialer) with plain sockets,
/// so it can open connections the engine itself never would: a resync connection naming another
/// connection's token, none at all, one that carries the wrong message.
@Suite("Replication link: the resync connection", .removesScratchFolders)
struct ResyncLaneTests {
    /// beta (node 1, the listener) as the engine; returns its replication port and its log.
    func beta(_ resource: String) async throws -> (port: Int, log: CapturedLog) {
        let port = TestPorts.reserve(2)
        let dir = try ScratchFolder.make("tandem-resynclane-")
        try FileManager.default.createDirectory(atPath: dir + "/resources", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 8 << 20)))
        // Pings far apart: the test's peer never answers the core's handshake, and must not be
        // dropped for that while it looks at the connections.
        try TestResourceFile.text(resource, disk: dir + "/d0.img", minor: 1003, on: .init(name: "beta", id: 1, port: port),
                                  peers: [.init(name: "alpha", id: 0, port: port + 1)], options: "ping-int 60; ping-timeout 60;")
            .write(toFile: dir + "/resources/\(resource).res", atomically: true, encoding: .utf8)
        let log = CapturedLog()
        let supervisor = EngineSupervisor(layout: EngineStateLayout(stateDirectory: dir), registry: NBDExportRegistry(),
                                          nbdSocketPath: nil, group: MultiThreadedEventLoopGroup.singleton,
                                          logger: Logger(label: "test") { _ in CapturedLogHandler(log: log) })
        try ScratchFolder.onTestEnd { await supervisor.stopAll() }
        let upError = await supervisor.up(resource)
        try #require(upError == nil, "up: \(upError ?? "")")
        return (port, log)
    }

    func hello(_ resource: String, _ lane: ReplicationHello.Lane, token: UInt64) -> ReplicationHello {
        ReplicationHello(resourceName: resource, senderNodeID: NodeID(0), receiverNodeID: NodeID(1), volume: 0, sizeBytes: 8 << 20,
                         bitmapBlockBytes: 4096, frameBytesMax: UInt32(ReplicationFrameDecoder.defaultFrameBytesMax),
                         lane: lane, connectionToken: token)
    }

    @Test("a resync connection naming another connection is refused with an error naming the peer; the right one is attached, and its end drops the link")
    func staleRefusedRightOneAttached() async throws {
        let (port, log) = try await beta("lanes")
        let token: UInt64 = 0x1234_5678_9ABC_DEF0
        let main = try PeerSocket(port: port, sending: hello("lanes", .main, token: token))
        defer { main.close() }
        let answer = try #require(await offPool { main.readHello(seconds: 10) }, "beta did not answer the main connection's hello")
        #expect(answer.lane == .main && answer.connectionToken == token && answer.senderNodeID == NodeID(1))

        let lane = try PeerSocket(port: port, sending: hello("lanes", .resync, token: token))
        let laneAnswer = try #require(await offPool { lane.readHello(seconds: 10) }, "beta did not answer the right resync connection")
        #expect(laneAnswer.lane == .resync && laneAnswer.connectionToken == token)

        // One from an earlier connection (another token), and a second one for this connection.
        let stale = try PeerSocket(port: port, sending: hello("lanes", .resync, token: token ^ 1))
        defer { stale.close() }
        #expect(await offPool { stale.readHello(seconds: 15) } == nil, "beta answered a resync connection with another connection's token")
        #expect(log.contains("alpha (node 0") && log.contains("refused a resync connection for connection \(token ^ 1)"), "log: \(log.lines)")
        let second = try PeerSocket(port: port, sending: hello("lanes", .resync, token: token))
        defer { second.close() }
        #expect(await offPool { second.readHello(seconds: 15) } == nil, "beta took a second resync connection for one link")
        #expect(await offPool { main.isOpen(afterSeconds: 0.3) }, "refused resync connections must not cost the link")
        lane.close()
        #expect(await offPool { main.readsEOF(seconds: 5) }, "the link outlived its resync connection")
        #expect(log.contains("its resync connection ended; dropping the link"), "log: \(log.lines)")
    }

    /// alpha's main connection to beta, answered.
    func mainConnection(_ resource: String, port: Int, token: UInt64) async throws -> PeerSocket {
        let main = try PeerSocket(port: port, sending: hello(resource, .main, token: token))
        let answer = await offPool { main.readHello(seconds: 10) }
        if answer == nil { main.close() }
        try #require(answer != nil, "beta did not answer the main connection's hello")
        return main
    }

    @Test("a link whose resync connection never comes is dropped")
    func missingLaneDropsLink() async throws {
        let (port, log) = try await beta("nolane")
        let main = try await mainConnection("nolane", port: port, token: 99)
        defer { main.close() }
        #expect(await offPool { main.readsEOF(seconds: Double(ResourceRuntime.helloTimeout.nanoseconds) / 1e9 + 5) }, "the link stayed up without its resync connection")
        #expect(log.contains("its resync connection did not come up"), "log: \(log.lines)")
    }

    @Test("anything but a resync reply on the resync connection drops the link, naming the peer")
    func wrongMessageOnLaneDropsLink() async throws {
        let (port, log) = try await beta("wrongmsg")
        let main = try await mainConnection("wrongmsg", port: port, token: 5)
        defer { main.close() }
        let lane = try PeerSocket(port: port, sending: hello("wrongmsg", .resync, token: 5))
        defer { lane.close() }
        #expect(await offPool { lane.readHello(seconds: 10) } != nil)
        var frame = ByteBuffer()
        frame.writeReplicationFrame(.ping(1))
        lane.send(frame)
        #expect(await offPool { main.readsEOF(seconds: 5) }, "the link stayed up after a ping on its resync connection")
        #expect(log.contains("alpha (node 0) sent a ping message on its resync connection"), "log: \(log.lines)")
    }
}

/// Runs blocking socket calls on a thread of their own: on Swift's cooperative pool (two threads
/// on a two-core machine) they starved the engine's own tasks, which accept and answer links.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in Thread { continuation.resume(returning: body()) }.start() }
}

/// A blocking TCP client for the tests above: connects, sends a hello, reads with a deadline.
final class PeerSocket: @unchecked Sendable {
    let fd: Int32
    private var received = ByteBuffer()
    private var decoder = ReplicationFrameDecoder(peer: "engine under test")

    init(port: Int, sending hello: ReplicationHello) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        var bytes = ByteBuffer()
        hello.encode(into: &bytes)
        send(bytes)
    }

    func send(_ bytes: ByteBuffer) {
        bytes.withUnsafeReadableBytes { _ = Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func close() { Glibc.close(fd) }

    /// Reads what arrives within `seconds`; false at EOF (or an error).
    private func receive(seconds: Double) -> Bool? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(seconds * 1000)) == 1 else { return nil }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { return false }
        received.writeBytes(chunk[..<n])
        return true
    }

    /// The engine's hello, or nil when the connection ends (or nothing comes) first.
    func readHello(seconds: Double) -> ReplicationHello? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if case .hello(let hello)? = try? decoder.decode(buffer: &received) { return hello }
            guard receive(seconds: deadline.timeIntervalSinceNow) == true else { return nil }
        }
        return nil
    }

    /// Whether the engine closes the connection within `seconds` (what it sends is discarded).
    func readsEOF(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            switch receive(seconds: max(0.01, deadline.timeIntervalSinceNow)) {
            case false?: return true
            case true?: received.clear()
            case nil: return false
            }
        }
        return false
    }

    /// Still open after `seconds`: what arrived meanwhile is read (kept for `readHello`) without
    /// meeting the end of the stream.
    func isOpen(afterSeconds seconds: Double) -> Bool {
        usleep(useconds_t(seconds * 1_000_000))
        while true {
            switch receive(seconds: 0) {
            case false?: return false
            case true?: continue
            case nil: return true
            }
        }
    }
}

/// Log lines of the engine under test.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    func append(_ line: String) { lock.withLock { stored.append(line) } }
    var lines: [String] { lock.withLock { stored } }
    func contains(_ text: String) -> Bool { lines.contains { $0.contains(text) } }
}

struct CapturedLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        log.append("\(event.level): \(event.message)")
    }
}
