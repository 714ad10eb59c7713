import CTandemIO
import Glibc
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// One io_uring per event loop, for disk writes the loop starts and whose completions it takes
/// itself, without a thread of a pool in between.
///
/// Why: a synchronous O_DIRECT `pwrite` on ext4 holds the file's inode lock until the disk is
/// done (1-10 ms for 1 MiB here), and every buffered write to the same file waits behind it — an
/// application's 4 KiB write during a resync took up to that long (session 7, `perf trace`).
/// Submitted asynchronously, ext4 (`ext4_dio_write_iter` → `iomap_dio_rw`, which returns
/// -EIOCBQUEUED once the bios are out) releases the lock at submission. io_uring rather than
/// Linux AIO: io_uring first tries a write without blocking and hands one that would block (block
/// allocation in a sparse file, a journal start) to its kernel workers, so the loop never waits
/// for the filesystem; `io_submit` would do that work on the loop.
///
/// The kernel signals an eventfd for each completion; the eventfd is a channel of the loop
/// (`NIOPipeBootstrap`), so a completion wakes the loop's own `epoll_wait`, and the loop reaps
/// the ring there. Everything here runs on that loop: no locks besides the registry's.
///
/// At most `entries` writes are in the kernel at once; more wait in `waiting`, in order, and
/// their `start` (which copies the data into the buffer the kernel reads) runs only when they
/// get a slot, so a waiting write holds no second copy. Callers bound how many they hand over
/// (the engine: the core's resync window).
public final class DiskRing: @unchecked Sendable {  // confined to `eventLoop`
    /// Writes in the kernel at once per loop: enough to keep a disk's queue busy while the loop
    /// handles the completion of one (8 × 1 MiB resync writes), few enough that the buffers stay small.
    public static let entries = 8

    public let eventLoop: any EventLoop
    private let ring: OpaquePointer
    /// Completions by tag.
    private var inFlight: [UInt64: (Int32) -> Void] = [:]
    private var waiting = CircularBuffer<Request>()
    private var nextTag: UInt64 = 1
    private var retryScheduled = false
    private var closed = false

    /// Writes handed to the kernel so far (tests: that the ring, not a fallback, did the work).
    public private(set) var submittedCount = 0

    private struct Request {
        let fd: Int32
        let count: Int
        let offset: UInt64
        let start: () -> UnsafeRawPointer?
        let completion: (Int32) -> Void
    }

    private init(eventLoop: any EventLoop, ring: OpaquePointer) {
        self.eventLoop = eventLoop
        self.ring = ring
    }

    // MARK: one ring per loop

    private enum Slot { case starting, ready(DiskRing), unavailable(String) }
    private static let rings = NIOLockedValueBox<[ObjectIdentifier: Slot]>([:])

    /// The ring of `loop`, to be used on `loop` only. nil while it is being set up (the first call
    /// on a loop starts that; callers take their synchronous path meanwhile), when called off the
    /// loop, or where io_uring is not available (`unavailableReason`).
    public static func on(_ loop: any EventLoop) -> DiskRing? {
        guard loop.inEventLoop else { return nil }
        let key = ObjectIdentifier(loop)
        let slot = rings.withLockedValue { rings -> Slot? in
            if let slot = rings[key] { return slot }
            rings[key] = .starting
            return nil
        }
        switch slot {
        case .ready(let ring)?: return ring
        case .starting?, .unavailable?: return nil
        case nil:
            start(on: loop, key: key)
            return nil
        }
    }

    /// Why `loop` has no ring, if it was tried and failed (for the log).
    public static func unavailableReason(on loop: any EventLoop) -> String? {
        if case .unavailable(let why)? = rings.withLockedValue({ $0[ObjectIdentifier(loop)] }) { return why }
        return nil
    }

    /// The ring of `loop` once it is set up (starting that if needed), or the reason it cannot be.
    /// For callers that would rather wait than take their synchronous path (tests).
    public static func ready(on loop: any EventLoop) -> EventLoopFuture<DiskRing> {
        loop.flatSubmit {
            if let ring = on(loop) { return loop.makeSucceededFuture(ring) }
            if let why = unavailableReason(on: loop) { return loop.makeFailedFuture(Unavailable(description: why)) }
            // Being set up: its bootstrap completes on this loop within a turn or two.
            return loop.scheduleTask(in: .milliseconds(1)) {}.futureResult.flatMap { ready(on: loop) }
        }
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether `loop` has a ring, or one being set up (tests: a loop that shut down has none).
    public static func isSetUp(on loop: any EventLoop) -> Bool {
        switch rings.withLockedValue({ $0[ObjectIdentifier(loop)] }) {
        case .ready?, .starting?: return true
        case .unavailable?, nil: return false
        }
    }

    private static func start(on loop: any EventLoop, key: ObjectIdentifier) {
        let eventFD = ctandem_eventfd()
        guard eventFD >= 0 else { return give(up: "eventfd: \(String(cString: strerror(errno)))", key: key) }
        guard let raw = ctandem_ring_create(UInt32(entries), eventFD) else {
            let why = "io_uring_setup: \(String(cString: strerror(errno)))"
            close(eventFD)
            return give(up: why, key: key)
        }
        let ring = DiskRing(eventLoop: loop, ring: raw)
        NIOPipeBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(CompletionReader(ring: ring, key: key))
                }
            }
            .takingOwnershipOfDescriptor(input: eventFD)
            .whenComplete { result in
                switch result {
                case .success:
                    rings.withLockedValue { $0[key] = .ready(ring) }
                case .failure(let error):
                    ring.destroyUnused()
                    give(up: "cannot watch the ring's eventfd: \(error)", key: key)
                }
            }
    }

    private static func give(up why: String, key: ObjectIdentifier) {
        rings.withLockedValue { $0[key] = .unavailable(why) }
    }

    // MARK: writes

    /// Writes `count` bytes at `offset` of `fd` from the buffer `start` returns, which must stay
    /// valid until `completion` runs. `start` runs on the loop when the write gets a slot in the
    /// kernel (nil: it could not get its buffer, and the write completes with -ENOMEM).
    /// `completion` runs on the loop with the bytes written (possibly short, as for `pwrite`) or
    /// -errno; -ECANCELED when the loop shut down first (the kernel may still read the buffer
    /// then: the caller must not reuse it).
    public func write(fd: Int32, count: Int, at offset: UInt64, start: @escaping () -> UnsafeRawPointer?, completion: @escaping (Int32) -> Void) {
        eventLoop.preconditionInEventLoop()
        precondition(count > 0 && count <= Int(UInt32.max), "a ring write of \(count) bytes")
        guard !closed else { return completion(-ECANCELED) }
        waiting.append(Request(fd: fd, count: count, offset: offset, start: start, completion: completion))
        pump()
    }

    /// Moves waiting writes into free slots and hands them to the kernel.
    private func pump() {
        var queued = false
        while inFlight.count < Self.entries, let request = waiting.first {
            guard let buffer = request.start() else {
                waiting.removeFirst()
                request.completion(-ENOMEM)
                continue
            }
            let tag = nextTag
            nextTag &+= 1
            guard ctandem_ring_queue_write(ring, request.fd, buffer, UInt32(request.count), request.offset, tag) == 0 else {
                break  // cannot happen while inFlight < entries; the write waits for the next completion
            }
            waiting.removeFirst()
            inFlight[tag] = request.completion
            queued = true
        }
        if queued || ctandem_ring_unsubmitted(ring) > 0 { submit() }
    }

    private func submit() {
        let taken = ctandem_ring_submit(ring)
        if taken > 0 { submittedCount += Int(taken) }
        // The kernel refused for now (EAGAIN: short of memory; EBUSY: completions not reaped
        // yet): the entries stay queued; try again shortly rather than spinning on the loop.
        guard taken < 0, ctandem_ring_unsubmitted(ring) > 0, !retryScheduled else { return }
        retryScheduled = true
        eventLoop.scheduleTask(in: .milliseconds(1)) {
            self.retryScheduled = false
            if !self.closed { self.pump() }
        }
    }

    /// Runs the completions the kernel posted, then fills the slots they freed.
    fileprivate func reap() {
        var tag: UInt64 = 0
        var result: Int32 = 0
        while ctandem_ring_reap(ring, &tag, &result) == 1 {
            inFlight.removeValue(forKey: tag)?(result)
        }
        if !closed { pump() }
    }

    /// Frees a ring that never took a write (its eventfd could not be watched).
    private func destroyUnused() { ctandem_ring_destroy(ring) }

    /// The loop is shutting down (its channels close): every write not completed gets
    /// -ECANCELED, and the ring goes (closing it makes the kernel cancel or finish what it holds).
    fileprivate func shutDown(key: ObjectIdentifier) {
        guard !closed else { return }
        closed = true
        Self.rings.withLockedValue { $0[key] = nil }
        reap()
        let pending = inFlight.values.map { $0 } + waiting.map(\.completion)
        inFlight = [:]
        waiting.removeAll()
        ctandem_ring_destroy(ring)
        for completion in pending { completion(-ECANCELED) }
    }
}

/// Reads the ring's eventfd on the loop (the read resets its count) and reaps the ring.
private final class CompletionReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let ring: DiskRing
    let key: ObjectIdentifier

    init(ring: DiskRing, key: ObjectIdentifier) {
        self.ring = ring
        self.key = key
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { ring.reap() }
    func channelInactive(context: ChannelHandlerContext) { ring.shutDown(key: key) }
    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}
