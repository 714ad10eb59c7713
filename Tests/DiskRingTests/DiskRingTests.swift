import CTandemIO
import DiskRing
import Glibc
import NIOCore
import NIOPosix
import ScratchFolders
import Synchronization
import Testing

/// The ring against a real file on this machine's disk (not tmpfs: O_DIRECT must work).
@Suite(.removesScratchFolders)
struct DiskRingTests {
    /// Runs `body` with a loop of its own, shut down afterwards whatever happened.
    static func withLoop(_ body: (any EventLoop) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do { try await body(group.next()) } catch { try? await group.shutdownGracefully(); throw error }
        try await group.shutdownGracefully()
    }

    /// Completion results, written on the loop and read by the test after it.
    final class Results: Sendable { let values = Mutex<[Int32]>([]) }

    static func alignedBuffer(_ bytes: Int, pattern: (Int) -> UInt8) -> UnsafeMutableRawPointer {
        var pointer: UnsafeMutableRawPointer?
        precondition(posix_memalign(&pointer, 4096, bytes) == 0)
        for i in 0..<bytes { pointer!.storeBytes(of: pattern(i), toByteOffset: i, as: UInt8.self) }
        return pointer!
    }

    @Test("more writes than the ring has slots all land, in their places, completed on the loop")
    func writesLand() async throws {
        let folder = try ScratchFolder.make("diskring")
        let path = folder + "/data"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | ctandem_o_direct(), 0o600)
        try #require(fd >= 0, "open O_DIRECT: \(String(cString: strerror(errno)))")
        defer { close(fd) }
        #expect(ftruncate(fd, 1 << 20) == 0)
        try await Self.withLoop { loop in
        let ring = try await DiskRing.ready(on: loop).get()
        let writes = DiskRing.entries * 3  // more than fit at once: the rest wait for slots
        let piece = 32 << 10
        let buffers = (0..<writes).map { w in Self.alignedBuffer(piece) { UInt8((w * 7 + $0 / 4096) & 0xff) } }
        defer { buffers.forEach { free($0) } }
        let results = try await loop.submit { () -> EventLoopFuture<[Int32]> in
            let promises = (0..<writes).map { _ in loop.makePromise(of: Int32.self) }
            for w in 0..<writes {
                ring.write(fd: fd, count: piece, at: UInt64(w * piece), start: { UnsafeRawPointer(buffers[w]) }) { result in
                    loop.preconditionInEventLoop()
                    promises[w].succeed(result)
                }
            }
            return EventLoopFuture.whenAllSucceed(promises.map(\.futureResult), on: loop)
        }.get().get()
        #expect(results == Array(repeating: Int32(piece), count: writes))
        #expect(try await loop.submit { ring.submittedCount }.get() >= writes)
        var back = [UInt8](repeating: 0, count: writes * piece)
        let plain = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(plain) }
        #expect(pread(plain, &back, back.count, 0) == back.count)
        var wrong = 0
        for w in 0..<writes { for i in stride(from: 0, to: piece, by: 512) where back[w * piece + i] != UInt8((w * 7 + i / 4096) & 0xff) { wrong += 1 } }
        #expect(wrong == 0)
        }
    }

    @Test("a write the kernel refuses completes with its errno, and the ring goes on")
    func failedWrite() async throws {
        let folder = try ScratchFolder.make("diskring")
        let path = folder + "/data"
        let rw = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(ftruncate(rw, 1 << 16) == 0)
        let readOnly = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(rw); close(readOnly) }
        try await Self.withLoop { loop in
        let ring = try await DiskRing.ready(on: loop).get()
        let buffer = Self.alignedBuffer(4096) { _ in 0x5a }
        defer { free(buffer) }
        func write(_ fd: Int32) async throws -> Int32 {
            try await loop.submit { () -> EventLoopFuture<Int32> in
                let promise = loop.makePromise(of: Int32.self)
                ring.write(fd: fd, count: 4096, at: 0, start: { UnsafeRawPointer(buffer) }) { promise.succeed($0) }
                return promise.futureResult
            }.get().get()
        }
        #expect(try await write(readOnly) == -EBADF)
        #expect(try await write(rw) == 4096)
        // A write whose buffer cannot be had completes with -ENOMEM, without reaching the kernel.
        let noBuffer = try await loop.submit { () -> EventLoopFuture<Int32> in
            let promise = loop.makePromise(of: Int32.self)
            ring.write(fd: rw, count: 4096, at: 0, start: { nil }) { promise.succeed($0) }
            return promise.futureResult
        }.get().get()
        #expect(noBuffer == -ENOMEM)
        }
    }

    @Test("a write still in the kernel when its loop shuts down completes once, with -ECANCELED, and the shutdown ends")
    func writeInFlightAtShutdown() async throws {
        // A pipe that is full and blocking: the ring's write to it stays in the kernel (armed
        // for poll) until the ring goes, as a disk write would that the disk has not finished.
        var ends: [Int32] = [0, 0]
        try #require(ctandem_pipe_cloexec(&ends) == 0)  // a child spawned beside this test must not hold it
        defer { close(ends[0]); close(ends[1]) }
        _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
        let filler = [UInt8](repeating: 1, count: 65536)
        while write(ends[1], filler, filler.count) > 0 {}
        _ = fcntl(ends[1], F_SETFL, 0)
        let buffer = Self.alignedBuffer(4096) { _ in 0x5a }
        // Not freed: the kernel may still read a cancelled write's buffer (DiskRing.write says so).
        let results = Results()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        do {
            let ring = try await DiskRing.ready(on: loop).get()
            try await loop.submit {
                ring.write(fd: ends[1], count: 4096, at: 0, start: { UnsafeRawPointer(buffer) }) { result in
                    results.values.withLock { $0.append(result) }
                }
            }.get()
            try await Task.sleep(for: .milliseconds(50))
            #expect(results.values.withLock { $0 }.isEmpty, "the write to a full pipe completed before the shutdown")
        } catch { try? await group.shutdownGracefully(); throw error }
        try await group.shutdownGracefully()
        #expect(results.values.withLock { $0 } == [-ECANCELED])
    }

    @Test("off its loop there is no ring; a loop that shuts down drops its ring")
    func loopConfined() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        #expect(DiskRing.on(loop) == nil)  // not on the loop
        _ = try await DiskRing.ready(on: loop).get()
        #expect(DiskRing.isSetUp(on: loop))
        try await group.shutdownGracefully()
        // Its entry went with its channel: a loop allocated later at the same address starts afresh.
        #expect(!DiskRing.isSetUp(on: loop))
    }
}
