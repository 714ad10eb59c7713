@testable import Engine
import Foundation
import NIOCore
import NIOPosix
import ReplicationCore
import ScratchFolders
import Testing
import CTandemIO

/// Resync data is written around the page cache (`DirectWrite`); everything else, and whatever
/// cannot go direct, through it. Each case reads the data back: a direct write must never cost
/// correctness.
@Suite("Resync writes around the page cache", .removesScratchFolders)
struct ResyncDirectWriteTests {
    static let fileBytes = 4 << 20

    func store(_ dir: String) throws -> BackingStore {
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: nil))
        #expect(truncate(dir + "/d0.img", off_t(Self.fileBytes)) == 0)
        return try BackingStore(path: dir + "/d0.img", sizeBytes: UInt64(Self.fileBytes))
    }

    /// A store in a fresh folder that takes O_DIRECT; nil (an issue recorded) where it does not.
    func directStore() throws -> (String, BackingStore)? {
        let dir = try ScratchFolder.make("tandem-directwrite-")
        let store = try store(dir)
        guard store.writesResyncDirectly else {
            Issue.record("\(dir) does not take O_DIRECT; this test needs a disk-backed temp folder")
            return nil
        }
        return (dir, store)
    }

    func pattern(_ count: Int, _ seed: UInt8) -> ByteBuffer {
        var buffer = ByteBuffer()
        for i in 0 ..< count { buffer.writeInteger(UInt8(truncatingIfNeeded: i &* 31) &+ seed) }
        return buffer
    }

    func write(_ store: BackingStore, _ data: ByteBuffer, at offset: UInt64, direct: Bool) async throws -> StorageResult {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        return try await store.perform(.write(id: StorageOpID(1), offsetBytes: offset, data: data, fua: false), on: loop, direct: direct).get()
    }

    func read(_ store: BackingStore, at offset: UInt64, _ length: Int) async throws -> [UInt8]? {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        guard case .data(let bytes) = try await store.perform(.read(id: StorageOpID(2), offsetBytes: offset, lengthBytes: UInt32(length)), on: loop).get() else { return nil }
        return bytes
    }

    @Test("a resync write lands on disk without filling the page cache; a buffered one fills it")
    func directWriteBypassesPageCache() async throws {
        guard let (_, store) = try directStore() else { return }
        let data = pattern(1 << 20, 3)
        #expect(try await write(store, data, at: 1 << 20, direct: true) == .done)
        #expect(store.pageCacheFile(offset: 1 << 20, length: 1 << 20) == nil, "the direct write left the range out of the page cache")
        #expect(try await write(store, data, at: 2 << 20, direct: false) == .done)
        #expect(store.pageCacheFile(offset: 2 << 20, length: 1 << 20) != nil, "a buffered write fills the cache (the check above can fail)")
        #expect(try await read(store, at: 1 << 20, 1 << 20) == Array(data.readableBytesView))
        #expect(try await read(store, at: 2 << 20, 1 << 20) == Array(data.readableBytesView))
    }

    @Test("a direct write replaces what the page cache held for the range, so reads see the new data")
    func directWriteAfterBufferedData() async throws {
        let dir = try ScratchFolder.make("tandem-directwrite-")
        let store = try store(dir)
        let old = pattern(256 << 10, 1), new = pattern(256 << 10, 9)
        #expect(try await write(store, old, at: 64 << 10, direct: false) == .done)
        #expect(try await read(store, at: 64 << 10, 256 << 10) == Array(old.readableBytesView))
        #expect(try await write(store, new, at: 64 << 10, direct: true) == .done)
        #expect(try await read(store, at: 64 << 10, 256 << 10) == Array(new.readableBytesView))
    }

    @Test("a write that cannot go direct (not 4 KiB aligned) is written through the page cache")
    func unalignedFallsBack() async throws {
        let dir = try ScratchFolder.make("tandem-directwrite-")
        let store = try store(dir)
        let data = pattern(6000, 5)
        #expect(DirectWrite.write(data, at: 512, fd: -1) == nil, "unaligned: not attempted")
        #expect(try await write(store, data, at: 512, direct: true) == .done)
        #expect(try await read(store, at: 512, 6000) == Array(data.readableBytesView))
    }

    @Test("one alignment rule decides what goes direct: a non-empty range, start and length in 4 KiB steps")
    func alignmentRule() {
        let cases: [(count: Int, offset: UInt64, direct: Bool)] = [
            (0, 0, false), (4096, 0, true), (8192, 4096, true), (1 << 20, 3 << 20, true),
            (512, 0, false), (4096, 512, false), (6000, 0, false), (4096, 4095, false), (4097, 4096, false),
        ]
        for c in cases {
            #expect(DirectWrite.canWriteDirectly(c.count, at: c.offset) == c.direct, "\(c.count) B at \(c.offset)")
            // The synchronous path follows it: nil is "not attempted"; an attempt on fd -1 fails with EBADF.
            if c.count > 0 {
                #expect((DirectWrite.write(pattern(c.count, 3), at: c.offset, fd: -1) == nil) == !c.direct, "\(c.count) B at \(c.offset)")
            }
        }
    }

    @Test("direct writes reuse their aligned buffer, one per concurrent write, and a request larger than it is written whole")
    func alignedBufferIsReused() async throws {
        guard let (dir, store) = try directStore() else { return }
        let fd = open(dir + "/d0.img", O_RDWR | O_CLOEXEC | ctandem_o_direct())
        try #require(fd >= 0)
        defer { close(fd) }
        let pool = AlignedBufferPool(keptMax: 2)
        for round in 0 ..< 8 {
            let data = pattern(256 << 10, UInt8(round))
            #expect(DirectWrite.write(data, at: UInt64(round) << 18, fd: fd, buffers: pool) == 0)
        }
        #expect(pool.allocations == 1, "8 sequential writes allocated \(pool.allocations) buffers")
        #expect(pool.keptCount == 1)
        // 2 MiB + 8 KiB: three chunks through the one 1 MiB buffer, each at its own offset.
        let large = pattern((2 << 20) + 8192, 77)
        #expect(DirectWrite.write(large, at: 1 << 20, fd: fd, buffers: pool) == 0)
        #expect(pool.allocations == 1)
        #expect(try await read(store, at: 1 << 20, large.readableBytes) == Array(large.readableBytesView))
        // Writes in flight together each hold a buffer; no more than `keptMax` stay afterwards.
        let held = (0 ..< 3).compactMap { _ in pool.take() }
        #expect(held.count == 3 && pool.allocations == 3)
        for buffer in held { pool.give(buffer) }
        #expect(pool.keptCount == 2)
        // Taken since the last release: kept; idle from one release to the next: freed.
        pool.releaseIfIdle()
        #expect(pool.keptCount == 2)
        pool.releaseIfIdle()
        #expect(pool.keptCount == 0)
    }
}
