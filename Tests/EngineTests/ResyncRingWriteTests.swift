@testable import Engine
import CTandemIO
import DiskRing
import Foundation
import NIOCore
import NIOPosix
import ReplicationCore
import ScratchFolders
import Testing

/// Resync writes through the loop's io_uring (`DiskRing`): done by the ring, whole, and a failure
/// reported as a failed synchronous write is.
@Suite("Resync writes through the loop's ring", .removesScratchFolders)
struct ResyncRingWriteTests {
    let helper = ResyncDirectWriteTests()

    @Test("a resync write performed on the loop goes through its ring, lands whole (several pieces) and stays out of the page cache")
    func ringWriteLands() async throws {
        guard let (_, store) = try helper.directStore() else { return }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let ring = try await DiskRing.ready(on: loop).get()
        let before = try await loop.submit { ring.submittedCount }.get()
        let large = helper.pattern((2 << 20) + 8192, 41)  // three pieces through one aligned buffer
        let result = try await loop.flatSubmit {
            store.perform(.write(id: StorageOpID(1), offsetBytes: 1 << 20, data: large, fua: true), on: loop, direct: true)
        }.get()
        #expect(result == .done)
        #expect(try await loop.submit { ring.submittedCount }.get() - before >= 3, "the ring did not do the write")
        #expect(store.pageCacheFile(offset: 1 << 20, length: 1 << 20) == nil)
        #expect(try await helper.read(store, at: 1 << 20, large.readableBytes) == Array(large.readableBytesView))
    }

    @Test("a ring write the kernel refuses reports its errno, and its buffer goes back to the pool")
    func ringWriteFailure() async throws {
        guard let (dir, _) = try helper.directStore() else { return }
        let readOnly = open(dir + "/d0.img", O_RDONLY | O_CLOEXEC | ctandem_o_direct())
        try #require(readOnly >= 0)
        defer { close(readOnly) }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let ring = try await DiskRing.ready(on: loop).get()
        let pool = AlignedBufferPool(keptMax: 2)
        let data = helper.pattern(1 << 20, 8)
        let outcome = try await loop.flatSubmit { () -> EventLoopFuture<DirectWrite.RingOutcome> in
            let promise = loop.makePromise(of: DirectWrite.RingOutcome.self)
            DirectWrite.write(data, at: 0, fd: readOnly, ring: ring, buffers: pool) { promise.succeed($0) }
            return promise.futureResult
        }.get()
        #expect(outcome == .failed(EBADF))
        #expect(pool.allocations == 1 && pool.keptCount == 1)
        // Unaligned: not attempted, the caller writes through the page cache.
        let unaligned = try await loop.flatSubmit { () -> EventLoopFuture<DirectWrite.RingOutcome> in
            let promise = loop.makePromise(of: DirectWrite.RingOutcome.self)
            DirectWrite.write(helper.pattern(6000, 1), at: 512, fd: readOnly, ring: ring, buffers: pool) { promise.succeed($0) }
            return promise.futureResult
        }.get()
        #expect(unaligned == .notDirect)
    }
}
