import Foundation
import NBDClient
import NIOCore
import NIOPosix
import Testing
@testable import NBDProtocol
@testable import NBDServer

/// The real server on a unix socket with file exports, driven by Tandem's NBD client and by raw
/// bytes: data roundtrips, the spec's error replies, isolation between connections, pipelining.
@Suite struct NBDServerLiveTests {
    /// A server with two 4 MiB file exports, "alpha" and "beta/1", in a fresh folder.
    final class Fixture: Sendable {
        let folder: String
        let socket: String
        let server: NBDServer
        let alpha: NBDFileExport
        let beta: NBDFileExport

        init(payloadMax: UInt32 = 1 << 20, inflightMax: Int = 8, idlePollMaxMicroseconds: Int = 0,
             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws {
            folder = NSTemporaryDirectory() + "nbd-test-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            socket = folder + "/nbd.sock"
            for file in ["alpha.img", "beta.img"] {
                FileManager.default.createFile(atPath: folder + "/" + file, contents: nil)
                let handle = FileHandle(forWritingAtPath: folder + "/" + file)!
                try handle.truncate(atOffset: 4 << 20)
                try handle.close()
            }
            alpha = try NBDFileExport(path: folder + "/alpha.img")
            beta = try NBDFileExport(path: folder + "/beta.img")
            let registry = NBDExportRegistry()
            registry.register(NBDExportName(resource: "alpha", volume: 0), alpha)
            registry.register(NBDExportName(resource: "beta", volume: 1), beta)
            server = NBDServer(registry: registry, configuration: .init(limits: NBDLimits(payloadMax: payloadMax), inflightMax: inflightMax),
                               group: group, idlePollMaxMicroseconds: idlePollMaxMicroseconds)
            try await server.listen(unixSocket: socket)
        }

        func connect(_ export: String) async throws -> NBDClient {
            try await NBDClient.connect(unixSocket: socket, export: export)
        }

        func shutdown() async {
            await server.close()
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    func pattern(_ seed: UInt8, count: Int) -> ByteBuffer {
        ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) &+ seed })
    }

    @Test func writeReadFlushTrimZeroRoundtrip() async throws {
        let fixture = try await Fixture()
        defer { Task { await fixture.shutdown() } }
        let client = try await fixture.connect("alpha")
        #expect(client.size == 4 << 20)
        #expect(client.transmissionFlags.isSuperset(of: [.sendFlush, .sendFUA, .sendTrim, .sendWriteZeroes, .canMultiConn]))
        let data = pattern(7, count: 3 * 65536 + 17)
        try await client.write(offset: 12345, data: data, fua: false)
        #expect(try await client.read(offset: 12345, length: data.readableBytes) == data)
        try await client.write(offset: 0, data: pattern(9, count: 4096), fua: true)
        try await client.flush()
        try await client.writeZeroes(offset: 12345, length: 1000, fua: true, mayPunchHoles: true)
        try await client.writeZeroes(offset: 13345, length: 1000, fua: false, mayPunchHoles: false)
        #expect(try await client.read(offset: 12345, length: 2000) == ByteBuffer(repeating: 0, count: 2000))
        #expect(try await client.read(offset: 14345, length: 100) == data.getSlice(at: 2000, length: 100)!)
        try await client.trim(offset: 0, length: 4096, fua: false)
        await client.close()

        // A second connection sees what the first wrote (multi-conn), also via the bare resource name.
        let again = try await fixture.connect("alpha/0")
        #expect(try await again.read(offset: 12345 + 5000, length: 100) == data.getSlice(at: 5000, length: 100)!)
        await again.close()
    }

    @Test func theSpecErrorsReachTheClientAndTheConnectionSurvives() async throws {
        let fixture = try await Fixture(payloadMax: 65536)
        defer { Task { await fixture.shutdown() } }
        let client = try await fixture.connect("beta/1")
        func code(_ body: () async throws -> Void) async -> NBDErrorCode? {
            do { try await body(); return .ok } catch let error as NBDClientError { return error.code } catch { return nil }
        }
        #expect(await code { _ = try await client.raw(.read, offset: 4 << 20, length: 1) } == .invalid)
        #expect(await code { _ = try await client.raw(.write, offset: (4 << 20) - 1, length: 2, payload: ByteBuffer(bytes: [1, 2])) } == .noSpace)
        #expect(await code { _ = try await client.raw(.read, offset: 0, length: 65537) } == .invalid)
        // An oversized WRITE: the server skips its 1 MiB payload and stays in sync.
        #expect(await code { _ = try await client.raw(.write, offset: 0, length: 1 << 20, payload: ByteBuffer(repeating: 0xEE, count: 1 << 20)) } == .invalid)
        #expect(await code { _ = try await client.raw(NBDCommandType(rawValue: 42), offset: 0, length: 1) } == .invalid)
        #expect(await code { _ = try await client.raw(.read, flags: .fastZero, offset: 0, length: 1) } == .invalid)
        #expect(await code { _ = try await client.raw(.flush, offset: 1, length: 0) } == .invalid)
        #expect(try await client.read(offset: 0, length: 512) == ByteBuffer(repeating: 0, count: 512), "the skipped payload must not have been written")
        #expect(client.isConnected)
        await client.close()
    }

    @Test func unknownExportIsRefusedWithErrUnknown() async throws {
        let fixture = try await Fixture()
        defer { Task { await fixture.shutdown() } }
        await #expect(throws: NBDClientError.self) { try await fixture.connect("gamma") }
        await #expect(throws: NBDClientError.self) { try await fixture.connect("beta") }  // beta/0 does not exist
        let client = try await fixture.connect("alpha")
        await client.close()
    }

    @Test func aRefusingSourceTellsTheClientWhy() async throws {
        struct Refusing: NBDExportSource {
            func describe() async throws -> NBDExportDescription { NBDExportDescription(size: 4096, features: []) }
            func open(for client: NBDClientIdentity) async throws -> any NBDExport {
                throw NBDOpenRefusal(.policy, "volume is Primary on node bravo")
            }
        }
        let fixture = try await Fixture()
        defer { Task { await fixture.shutdown() } }
        fixture.server.registry.register(NBDExportName(resource: "busy", volume: 0), Refusing())
        do {
            _ = try await fixture.connect("busy")
            Issue.record("refused export was opened")
        } catch let error as NBDClientError {
            #expect(error.description.contains("NBD_REP_ERR_POLICY"))
            #expect(error.description.contains("volume is Primary on node bravo"))
        }
    }

    @Test func garbageOnOneConnectionDoesNotDisturbAnother() async throws {
        let fixture = try await Fixture()
        defer { Task { await fixture.shutdown() } }
        let good = try await fixture.connect("beta/1")
        try await good.write(offset: 0, data: pattern(3, count: 8192), fua: false)

        for garbage in [[UInt8](repeating: 0xFF, count: 64), Array("GET / HTTP/1.1\r\n\r\n".utf8)] {
            let raw = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: fixture.socket).get()
            var bytes = ByteBuffer(bytes: [0, 0, 0, 1])  // fixed newstyle flags, then garbage where an option belongs
            bytes.writeBytes(garbage)
            try await raw.writeAndFlush(bytes)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await raw.closeFuture.get() }
                group.addTask {
                    try await Task.sleep(for: .seconds(5))
                    throw CancellationError()
                }
                try await group.next()
                group.cancelAll()
            }
        }
        #expect(try await good.read(offset: 0, length: 8192) == pattern(3, count: 8192))
        #expect(try await fixture.alpha.read(offset: 0, length: 8192) == ByteBuffer(repeating: 0, count: 8192), "alpha must be untouched")
        await good.close()
    }

    /// Large cached READs leave with sendfile, small ones from the event loop, the rest through
    /// the pool: pipelined and mixed with writes, each reply carries its own request's bytes.
    @Test func pipelinedReadsOfEverySizeMatchWhatWasWritten() async throws {
        let fixture = try await Fixture(inflightMax: 16)
        defer { Task { await fixture.shutdown() } }
        let client = try await fixture.connect("alpha")
        let image = pattern(3, count: 4 << 20)
        try await client.write(offset: 0, data: image, fua: false)
        let ranges: [(UInt64, Int)] = [(0, 4096), (1, 65536), (4096, 1 << 20), (12345, 65535), (3 << 20, 1 << 20),
                                       (777, 200_000), (2 << 20, 16 << 10), (2 << 20 + 1, (16 << 10) + 1), ((4 << 20) - 70_000, 70_000)]
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for round in 0..<4 {
                for (offset, length) in ranges {
                    group.addTask {
                        let read = try await client.read(offset: offset, length: length)
                        return read == image.getSlice(at: Int(offset), length: length)!
                    }
                }
                group.addTask {  // a write elsewhere in between, with its own reply in the stream
                    try await client.write(offset: UInt64(round) * 4096, data: image.getSlice(at: round * 4096, length: 4096)!, fua: false)
                    return true
                }
            }
            for try await matches in group { #expect(matches) }
        }
        await client.close()
    }

    @Test func pipelinedRequestsBeyondTheWindowAllComplete() async throws {
        let fixture = try await Fixture(inflightMax: 4)
        defer { Task { await fixture.shutdown() } }
        let client = try await fixture.connect("alpha")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<256 {
                group.addTask {
                    try await client.write(offset: UInt64(index) * 4096, data: self.pattern(UInt8(index), count: 4096), fua: index % 16 == 0)
                }
            }
            try await group.waitForAll()
        }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<256 {
                group.addTask { try await client.read(offset: UInt64(index) * 4096, length: 4096) == self.pattern(UInt8(index), count: 4096) }
            }
            for try await matches in group { #expect(matches) }
        }
        await client.close()
    }

    /// Large WRITEs whose rest the server reads straight from the socket (`NBDInputBuffer.readRestDirectly`),
    /// pipelined with small ones and with sizes around the direct-read bound, through a window
    /// that pauses decoding: every byte lands where its request said.
    @Test func pipelinedLargeWritesAreStoredAsSent() async throws {
        let fixture = try await Fixture(inflightMax: 3)
        defer { Task { await fixture.shutdown() } }
        let client = try await fixture.connect("alpha")
        let sizes = [1 << 20, 4096, (16 << 10) - 1, 16 << 10, (16 << 10) + 1, 200_000, 1 << 20, 65536 + 28, 1 << 20]
        var offsets: [UInt64] = []
        var next: UInt64 = 0
        for size in sizes { offsets.append(next); next += UInt64(size) }
        #expect(next <= 4 << 20)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, size) in sizes.enumerated() {
                let offset = offsets[index]
                group.addTask { try await client.write(offset: offset, data: self.pattern(UInt8(index + 1), count: size), fua: false) }
            }
            try await group.waitForAll()
        }
        for (index, size) in sizes.enumerated() {
            #expect(try await fixture.alpha.read(offset: offsets[index], length: size) == pattern(UInt8(index + 1), count: size),
                    "write \(index) of \(size) bytes")
        }
        await client.close()
    }
}
