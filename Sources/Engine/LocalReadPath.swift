import NIOCore
import ReplicationCore
import Synchronization

/// Lets an NBD READ go straight to the local backing store, without a trip through the
/// resource's actor and the replication core, whenever the core would itself serve it locally.
///
/// The core reads locally exactly when `ReplicaInstance.readsLocally` (local disk UpToDate, I/O not
/// held for lack of quorum); otherwise it reads from a peer or waits. The runtime copies that
/// answer here after every step of the core, before it resumes any completion of
/// that step, so a write the client saw acknowledged is already in the backing file when a
/// later read looks here. A read that finds the path closed, or fails on the local disk, takes
/// the core's path instead (which then decides: read from a peer, detach a failed disk, …).
/// Reads that overlap a write still in flight may see either version, as NBD allows for
/// overlapping requests in flight.
final class LocalReadPath: Sendable {
    let backing: BackingStore
    private let state = Mutex(State())

    private struct State {
        var open = false
        var readBytes: UInt64 = 0
    }

    init(backing: BackingStore) { self.backing = backing }

    /// The core's decision for reads, fed by the runtime after each step.
    func update(from instance: ReplicaInstance, stopped: Bool) {
        let servesLocally = !stopped && instance.readsLocally
        state.withLock { $0.open = servesLocally }
    }

    func close() { state.withLock { $0.open = false } }

    /// Bytes read through this path (status adds them to the core's count).
    var readBytes: UInt64 { state.withLock { $0.readBytes } }

    /// Reads the range locally if the path is open: from the page cache on the calling thread
    /// when it holds the whole range (never waiting for the disk), else on the backing store's
    /// thread pool. nil: the path is closed or the local read failed; use the core.
    func read(offset: UInt64, length: Int, on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
        guard state.withLock({ $0.open }) else { return eventLoop.makeSucceededFuture(nil) }
        if length <= BackingStore.inlineReadBytesMax, let cached = backing.readCached(offset: offset, length: length) {
            count(length)
            return eventLoop.makeSucceededFuture(cached)
        }
        return backing.readBuffer(offset: offset, length: length, on: eventLoop).map { data in
            if data != nil { self.count(length) }
            return data
        }
    }

    /// The range from the page cache on the calling thread, if the path is open, the read is
    /// small and the cache holds all of it; nil otherwise (then `read` or the core).
    func readImmediately(offset: UInt64, length: Int) -> ByteBuffer? {
        guard length <= BackingStore.inlineReadBytesMax, state.withLock({ $0.open }),
              let cached = backing.readCached(offset: offset, length: length) else { return nil }
        count(length)
        return cached
    }

    /// The backing file's descriptor if the path is open and the page cache holds the whole range
    /// (the NBD server then sends it with sendfile); nil otherwise.
    func pageCacheFile(offset: UInt64, length: Int) -> Int32? {
        guard state.withLock({ $0.open }), let fd = backing.pageCacheFile(offset: offset, length: length) else { return nil }
        count(length)
        return fd
    }

    private func count(_ length: Int) { state.withLock { $0.readBytes += UInt64(length) } }
}
