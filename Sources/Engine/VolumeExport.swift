import NBDProtocol
import NBDServer
import NIOCore
import ReplicationCore

/// A volume as an NBD export (`<resource>/<volume>`). Opening it counts as a writer for
/// auto-promote; a writer on a second node waits up to auto-promote-timeout for the Primary to
/// demote and is then refused at open with its name.
final class VolumeExportSource: NBDExportSource {
    let runtime: ResourceRuntime
    let volume: UInt16
    let sizeBytes: UInt64
    let requestBytesMax: UInt32

    init(runtime: ResourceRuntime, volume: UInt16, sizeBytes: UInt64, requestBytesMax: UInt32) {
        self.runtime = runtime; self.volume = volume; self.sizeBytes = sizeBytes; self.requestBytesMax = requestBytesMax
    }

    /// How often a waiting open looks again whether the Primary peer has demoted.
    static let demotionPollInterval: Duration = .milliseconds(20)

    static let features: NBDExportFeatures = [.flush, .fua, .trim, .writeZeroes, .multiConn]

    func describe() async throws -> NBDExportDescription {
        NBDExportDescription(size: sizeBytes, features: Self.features, text: "tandem \(runtime.name) volume \(volume)")
    }

    func open(for client: NBDClientIdentity) async throws -> any NBDExport {
        // As DRBD's auto-promote-timeout: a peer still Primary gets a moment to demote (its
        // client may have just closed; the demotion reaches this node a message later).
        let deadline = ContinuousClock.now + (await runtime.autoPromoteTimeout)
        while let refusal = await runtime.writerRefusal(volume) {
            if ContinuousClock.now >= deadline { throw NBDOpenRefusal(.policy, refusal) }
            try await Task.sleep(for: Self.demotionPollInterval)
        }
        await runtime.exportOpened(volume)
        return VolumeExportHandle(source: self, readPath: await runtime.localReadPath(volume))
    }
}

/// One client's handle. Requests go to the core; completions come back with the durability the
/// replication protocol promises (protocol C: on every connected diskful replica). READs the core
/// would serve from the local disk skip it (`LocalReadPath`): from the event loop straight to
/// the page cache or the I/O pool, and back.
final class VolumeExportHandle: NBDEventLoopExport {
    let source: VolumeExportSource
    let readPath: LocalReadPath?
    init(source: VolumeExportSource, readPath: LocalReadPath?) { self.source = source; self.readPath = readPath }

    func readImmediately(offset: UInt64, length: Int) -> ByteBuffer? {
        readPath?.readImmediately(offset: offset, length: length)
    }

    func pageCacheFile(offset: UInt64, length: Int) -> Int32? {
        readPath?.pageCacheFile(offset: offset, length: length)
    }

    func execute(_ command: NBDCommand, on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
        if case let .read(_, offset, length) = command, let readPath {
            return readPath.read(offset: offset, length: length, on: eventLoop).flatMap { data in
                if let data { return eventLoop.makeSucceededFuture(data) }
                return self.throughCore(command, on: eventLoop)
            }
        }
        return throughCore(command, on: eventLoop)
    }

    /// WRITE, FLUSH, TRIM and WRITE_ZEROES that fit in one core request, from a connection on the
    /// runtime's own loop (the engine serves both on one loop): straight to the runtime, and the
    /// result goes to `sink` (before this returns if the core answers at once, e.g. a refusal,
    /// and no peer link is up: `ResourceRuntime.submit`), with no future and no closure.
    /// Everything else goes through `execute`.
    func execute(_ command: NBDCommand, on eventLoop: any EventLoop, reportingTo sink: any NBDCommandSink) {
        if !command.isRead, source.runtime.loop.inEventLoop, eventLoop.inEventLoop,
           let (operation, offset, length, fua) = singleRequest(command) {
            source.runtime.submitOnLoop(source.volume, operation, offset: offset, length: UInt32(length), fua: fua,
                                        waiter: .export(sink, command))
            return
        }
        execute(command, on: eventLoop).whenComplete { outcome in
            sink.commandFinished(command, outcome.mapError { $0 as? NBDExportError ?? .io("\($0)") })
        }
    }

    /// A core result as an export outcome: READ data as a buffer, errors with their NBD code.
    static func outcome(of result: ClientResult) -> Result<ByteBuffer?, NBDExportError> {
        switch result {
        case .done: return .success(nil)
        case .data(let bytes): return .success(ByteBuffer(bytes: bytes))
        case .failed(let error): return .failure(exportError(error))
        }
    }

    /// The command as one core request, if it fits in one (requestBytesMax).
    private func singleRequest(_ command: NBDCommand) -> (ClientOperation, UInt64, Int, Bool)? {
        let limit = Int(source.requestBytesMax)
        switch command {
        case let .read(_, offset, length) where length <= limit: return (.read, offset, length, false)
        case let .write(_, offset, data, fua) where data.readableBytes <= limit: return (.write(data), offset, data.readableBytes, fua)
        case .flush: return (.flush, 0, 0, false)
        case let .trim(_, offset, length, fua) where length <= limit: return (.trim, offset, length, fua)
        case let .writeZeroes(_, offset, length, fua, _) where length <= limit: return (.writeZeroes, offset, length, fua)
        default: return nil
        }
    }

    /// A request that fits in one core request goes to the runtime straight from the event loop
    /// (no task); a larger one is split into core-sized pieces in order, in a task.
    private func throughCore(_ command: NBDCommand, on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
        guard let (operation, offset, length, fua) = singleRequest(command) else {
            return eventLoop.makeFutureWithTask { try await self.run(command) }
        }
        let promise = eventLoop.makePromise(of: ClientResult.self)
        source.runtime.submitFromEventLoop(source.volume, operation, offset: offset, length: UInt32(length), fua: fua, completing: promise)
        return promise.futureResult.flatMapThrowing { result -> ByteBuffer? in
            let bytes = try Self.check(result)
            guard case .read = operation else { return nil }
            guard bytes.count == length else { throw NBDExportError.io("short read from the replication core") }
            return ByteBuffer(bytes: bytes)
        }
    }

    private func run(_ command: NBDCommand) async throws -> ByteBuffer? {
        switch command {
        case let .read(_, offset, length):
            return try await readThroughCore(offset: offset, length: length)
        case let .write(_, offset, data, fua):
            try await write(offset: offset, data: data, fua: fua)
        case .flush:
            try await flush()
        case let .trim(_, offset, length, fua):
            try await trim(offset: offset, length: length, fua: fua)
        case let .writeZeroes(_, offset, length, fua, mayPunchHoles):
            try await writeZeroes(offset: offset, length: length, fua: fua, mayPunchHoles: mayPunchHoles)
        }
        return nil
    }

    var size: UInt64 { source.sizeBytes }
    var features: NBDExportFeatures { VolumeExportSource.features }

    func read(offset: UInt64, length: Int) async throws -> ByteBuffer {
        if let readPath, let data = try await readPath.read(offset: offset, length: length, on: source.runtime.group.next()).get() {
            return data
        }
        return try await readThroughCore(offset: offset, length: length)
    }

    private func readThroughCore(offset: UInt64, length: Int) async throws -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(length)
        try await chunks(offset, length) { at, n in
            let bytes = try Self.check(await self.source.runtime.submit(self.source.volume, .read, offset: at, length: n, fua: false))
            guard bytes.count == Int(n) else { throw NBDExportError.io("short read from the replication core") }
            buffer.writeBytes(bytes)
        }
        return buffer
    }

    func write(offset: UInt64, data: ByteBuffer, fua: Bool) async throws {
        try await concurrentChunks(offset, data.readableBytes) { at, n in
            let slice = data.getSlice(at: data.readerIndex + Int(at - offset), length: Int(n))!
            _ = try Self.check(await self.source.runtime.submit(self.source.volume, .write(slice), offset: at, length: n, fua: fua))
        }
    }

    func flush() async throws {
        _ = try Self.check(await source.runtime.submit(source.volume, .flush, offset: 0, length: 0, fua: false))
    }

    func trim(offset: UInt64, length: Int, fua: Bool) async throws {
        try await concurrentChunks(offset, length) { at, n in
            _ = try Self.check(await self.source.runtime.submit(self.source.volume, .trim, offset: at, length: n, fua: fua))
        }
    }

    func writeZeroes(offset: UInt64, length: Int, fua: Bool, mayPunchHoles: Bool) async throws {
        try await concurrentChunks(offset, length) { at, n in
            _ = try Self.check(await self.source.runtime.submit(self.source.volume, .writeZeroes, offset: at, length: n, fua: fua))
        }
    }

    func close() async { await source.runtime.exportClosed(source.volume) }

    /// Splits a request into pieces the core accepts (its requestBytesMax), in order.
    private func chunks(_ offset: UInt64, _ length: Int, _ body: (UInt64, UInt32) async throws -> Void) async throws {
        var done = 0
        repeat {
            let n = min(length - done, Int(source.requestBytesMax))
            try await body(offset + UInt64(done), UInt32(n))
            done += n
        } while done < length
    }

    /// Pieces of a write, trim or write-zeroes larger than the core takes, at most
    /// `piecesInFlightMax` at once. Each piece of 4 MiB is an activity-log extent of its own:
    /// sent one after another, a whole-device discard of a fresh volume waited for one metadata
    /// transaction per extent in turn (docs/local-device.md limit 6); sent together, the extents
    /// activate in one transaction. Pieces never overlap, so their order does not matter; the
    /// request fails if any piece fails (NBD leaves a failed write's range undefined).
    private func concurrentChunks(_ offset: UInt64, _ length: Int,
                                  _ body: @escaping @Sendable (UInt64, UInt32) async throws -> Void) async throws {
        let pieceMax = Int(source.requestBytesMax)
        try await withThrowingTaskGroup(of: Void.self) { group in
            var done = 0, running = 0
            repeat {
                if running == Self.piecesInFlightMax {
                    try await group.next()
                    running -= 1
                }
                let at = offset + UInt64(done), n = min(length - done, pieceMax)
                group.addTask { try await body(at, UInt32(n)) }
                running += 1
                done += n
            } while done < length
            try await group.waitForAll()
        }
    }

    /// A trim of 1 GiB is 256 pieces; 64 in flight activate 64 extents per metadata transaction
    /// and stay far below the core's request limit (clientRequestsMax). Writes carry at most the
    /// NBD request size of data, so their pieces are few.
    static let piecesInFlightMax = 64

    private static func check(_ result: ClientResult) throws -> [UInt8] {
        switch result {
        case .done: return []
        case .data(let bytes): return bytes
        case .failed(let error): throw exportError(error)
        }
    }

    private static func exportError(_ error: ClientError) -> NBDExportError {
        switch error.code {
        case .notPermitted: return .permissionDenied(error.message)
        case .io: return .io(error.message)
        case .invalid: return NBDExportError(.invalid, error.message)
        case .busy: return NBDExportError(.outOfMemory, error.message)
        }
    }
}
