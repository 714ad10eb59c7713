import Foundation
import NBDClient
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import NBDProtocol
@testable import NBDServer

/// A connection whose export prefers another event loop moves there after GO or EXPORT_NAME
/// (`NBDConnectionHandoff`): every request then runs on the export's loop, the client notices
/// nothing, bytes it sent early are not lost, and closing still closes the export once.
@Suite struct NBDConnectionHandoffTests {
    /// A file export that wants its commands on `loop` and counts where they ran.
    final class LoopBoundExport: NBDExportSource, NBDEventLoopExport, Sendable {
        let file: NBDFileExport
        let loop: any EventLoop
        private let counts = Mutex((onLoop: 0, elsewhere: 0, closes: 0))

        init(file: NBDFileExport, loop: any EventLoop) { self.file = file; self.loop = loop }

        var onLoop: Int { counts.withLock { $0.onLoop } }
        var elsewhere: Int { counts.withLock { $0.elsewhere } }
        var closes: Int { counts.withLock { $0.closes } }

        var preferredEventLoop: (any EventLoop)? { loop }
        func describe() async throws -> NBDExportDescription { try await file.describe() }
        func open(for client: NBDClientIdentity) async throws -> any NBDExport { self }
        var size: UInt64 { file.size }
        var features: NBDExportFeatures { file.features }

        func execute(_ command: NBDCommand, on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
            let here = loop.inEventLoop && eventLoop === loop
            counts.withLock { if here { $0.onLoop += 1 } else { $0.elsewhere += 1 } }
            return file.execute(command, on: eventLoop)
        }
        func read(offset: UInt64, length: Int) async throws -> ByteBuffer { try await file.read(offset: offset, length: length) }
        func write(offset: UInt64, data: ByteBuffer, fua: Bool) async throws { try await file.write(offset: offset, data: data, fua: fua) }
        func flush() async throws { try await file.flush() }
        func trim(offset: UInt64, length: Int, fua: Bool) async throws { try await file.trim(offset: offset, length: length, fua: fua) }
        func writeZeroes(offset: UInt64, length: Int, fua: Bool, mayPunchHoles: Bool) async throws {
            try await file.writeZeroes(offset: offset, length: length, fua: fua, mayPunchHoles: mayPunchHoles)
        }
        func close() async { counts.withLock { $0.closes += 1 } }
    }

    /// The server accepts on its own single loop; the export lives on another one, so every
    /// connection has to move.
    final class Fixture: Sendable {
        let folder: String
        let socket: String
        let server: NBDServer
        let export: LoopBoundExport
        let serverLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let exportLoops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

        init() async throws {
            folder = NSTemporaryDirectory() + "nbd-handoff-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            socket = folder + "/nbd.sock"
            FileManager.default.createFile(atPath: folder + "/disk.img", contents: Data(count: 1 << 20))
            export = LoopBoundExport(file: try NBDFileExport(path: folder + "/disk.img"), loop: exportLoops.next())
            let registry = NBDExportRegistry()
            registry.register(NBDExportName(resource: "moved", volume: 0), export)
            server = NBDServer(registry: registry, group: serverLoops)
            try await server.listen(unixSocket: socket)
        }

        func shutdown() async {
            await server.close()
            try? await serverLoops.shutdownGracefully()
            try? await exportLoops.shutdownGracefully()
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    func pattern(_ seed: UInt8, count: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 13) &+ seed })
    }

    /// Waits up to 5 s for `condition` (an export's close runs in a task after the channel closed).
    func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func requestsAfterGoRunOnTheExportsLoop() async throws {
        let fixture = try await Fixture()
        let client = try await NBDClient.connect(unixSocket: fixture.socket, export: "moved")
        #expect(client.size == 1 << 20)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                group.addTask { try await client.write(offset: UInt64(index) * 4096, data: self.pattern(UInt8(index), count: 4096), fua: index % 8 == 0) }
            }
            try await group.waitForAll()
        }
        try await client.flush()
        for index in [0, 17, 63] {
            #expect(try await client.read(offset: UInt64(index) * 4096, length: 4096) == pattern(UInt8(index), count: 4096))
        }
        #expect(fixture.export.elsewhere == 0, "a request ran on the loop the connection was accepted on")
        #expect(fixture.export.onLoop >= 68)
        await client.close()
        #expect(try await eventually { fixture.export.closes == 1 }, "the export is closed once, by the channel it moved to")
        try await Task.sleep(for: .milliseconds(50))
        #expect(fixture.export.closes == 1)
        await fixture.shutdown()
    }

    /// The old-style handshake, with a WRITE sent right behind EXPORT_NAME in the same packet:
    /// the write arrives before the connection moved and must be carried over, not lost.
    @Test func aRequestPipelinedBehindExportNameIsServedAfterTheMove() async throws {
        let fixture = try await Fixture()
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            for (i, byte) in fixture.socket.utf8.enumerated() { path[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(connected == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        #expect(receive(fd, 18).count == 18)  // greeting: NBDMAGIC, IHAVEOPT, handshake flags
        var out = ByteBuffer()
        out.writeInteger(UInt32(1 | 2))  // fixed newstyle, no zeroes
        out.writeInteger(UInt64(0x4948_4156_454F_5054))  // IHAVEOPT
        out.writeInteger(UInt32(1))  // NBD_OPT_EXPORT_NAME
        out.writeInteger(UInt32(7))
        out.writeString("moved/0")
        let data = pattern(42, count: 4096)
        out.writeInteger(UInt32(0x2560_9513))  // request magic
        out.writeInteger(UInt16(0))  // flags
        out.writeInteger(UInt16(1))  // NBD_CMD_WRITE
        out.writeInteger(UInt64(0xC00C1E))  // cookie
        out.writeInteger(UInt64(8192))
        out.writeInteger(UInt32(4096))
        out.writeImmutableBuffer(data)
        #expect(send(fd, Array(out.readableBytesView)) == out.readableBytes)

        var reply = ByteBuffer(bytes: receive(fd, 10 + 16))  // export size and flags, then the WRITE's simple reply
        #expect(reply.readInteger(as: UInt64.self) == 1 << 20)
        _ = reply.readInteger(as: UInt16.self)
        #expect(reply.readInteger(as: UInt32.self) == 0x6744_6698)
        #expect(reply.readInteger(as: UInt32.self) == 0, "the write failed")
        #expect(reply.readInteger(as: UInt64.self) == 0xC00C1E)
        #expect(try await fixture.export.file.read(offset: 8192, length: 4096) == data)
        #expect(fixture.export.onLoop == 1)
        #expect(fixture.export.elsewhere == 0)
        await fixture.shutdown()
        #expect(try await eventually { fixture.export.closes == 1 })
    }

    @Test func closingTheServerClosesMovedConnections() async throws {
        let fixture = try await Fixture()
        let client = try await NBDClient.connect(unixSocket: fixture.socket, export: "moved")
        try await client.write(offset: 0, data: pattern(1, count: 4096), fua: false)
        await fixture.server.close()
        await #expect(throws: (any Error).self) { try await client.read(offset: 0, length: 4096) }
        #expect(try await eventually { fixture.export.closes == 1 })
        await fixture.shutdown()
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Reads exactly `count` bytes, or fewer if the socket closes or times out.
    private func receive(_ fd: Int32, _ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + done, count - done, 0) }
            if n <= 0 { break }
            done += n
        }
        return Array(bytes[0..<done])
    }
}
