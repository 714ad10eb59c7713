@testable import Engine
import Foundation
import NBDProtocol
import NIOCore
import ReplicationCore
import ScratchFolders
import Testing

/// Reply order when an NBD connection hands over one read's commands as a batch
/// (`beginClientBatch` … `endClientBatch`) on a 1-replica volume: the small writes are done at
/// once, their completions wait for the batch's end and then reach the core in one step. Every
/// write is still reported by the time the batch ends (so its reply joins the batch's flush), in
/// the order the writes were submitted; a write that overlaps an earlier one in the batch is
/// reported after it and its data wins; a FLUSH is reported after every write before it; and each
/// write reported done is in the backing file.
@Suite("Client batches", .removesScratchFolders)
struct ClientBatchTests {
    typealias Sink = LocalWritePathTests.RecordingSink

    static func pattern(_ cookie: UInt64) -> ByteBuffer { ByteBuffer(repeating: UInt8(truncatingIfNeeded: cookie &* 37 &+ 1), count: 4096) }

    /// Submits `commands` on the runtime's loop, inside a batch or one by one; returns the
    /// cookies reported before the batch ended and those reported by the time it ended.
    static func submit(_ commands: [NBDCommand], to runtime: ResourceRuntime, sink: Sink, batch: Bool) async throws -> (beforeEnd: [UInt64], atEnd: [UInt64]) {
        try await runtime.loop.submit { () -> ([UInt64], [UInt64]) in
            if batch { runtime.beginClientBatch() }
            for command in commands {
                switch command {
                case let .write(_, offset, data, fua):
                    runtime.submitOnLoop(0, .write(data), offset: offset, length: UInt32(data.readableBytes), fua: fua, waiter: .export(sink, command))
                case .flush:
                    runtime.submitOnLoop(0, .flush, offset: 0, length: 0, fua: false, waiter: .export(sink, command))
                default:
                    preconditionFailure("only writes and flushes here")
                }
            }
            let before = sink.outcomes.withLock { $0.map(\.cookie) }
            if batch { runtime.endClientBatch() }
            return (before, sink.outcomes.withLock { $0.map(\.cookie) })
        }.get()
    }

    @Test(arguments: [true, false])
    func writesAreReportedInOrderByTheEndOfTheBatch(batch: Bool) async throws {
        let dir = try ScratchFolder.make("tandem-clientbatch-")
        #expect(FileManager.default.createFile(atPath: dir + "/d0.img", contents: Data(count: 1 << 20)))
        let runtime = try await LocalWritePathTests.start(dir)
        // Warm the extent: the first write into it waits for an activity-log transaction.
        #expect(await runtime.submit(0, .write(ByteBuffer(repeating: 1, count: 4096)), offset: 0, length: 4096, fua: false) == .done)
        let sink = Sink()
        // Eight writes to distinct blocks, then one over the second block's range, then a FLUSH.
        var commands: [NBDCommand] = (1...8).map { .write(cookie: $0, offset: $0 * 8192, data: Self.pattern($0), fua: false) }
        commands.append(.write(cookie: 9, offset: 2 * 8192, data: Self.pattern(9), fua: false))
        commands.append(.flush(cookie: 10))
        let (beforeEnd, atEnd) = try await Self.submit(commands, to: runtime, sink: sink, batch: batch)
        if batch { #expect(beforeEnd.isEmpty, "completions wait for the batch's end") }
        #expect(Array(atEnd.prefix(9)) == Array(1...9), "every write reported when the batch ends, in submission order")
        for _ in 0..<500 where sink.outcomes.withLock({ $0.count }) < 10 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sink.outcomes.withLock { $0.map(\.cookie) } == Array(1...10), "the FLUSH after every write before it")
        #expect(sink.outcomes.withLock { $0.allSatisfy(\.ok) })
        let file = try #require(FileHandle(forReadingAtPath: dir + "/d0.img"))
        for cookie in 1...8 as ClosedRange<UInt64> {
            try file.seek(toOffset: cookie * 8192)
            let expected = cookie == 2 ? Self.pattern(9) : Self.pattern(cookie)
            #expect(try file.read(upToCount: 4096) == Data(expected.readableBytesView), "block of write \(cookie)")
        }
        try file.close()
        await runtime.stop()
    }
}
