import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ReplicationCore

/// A thread of its own that `pwrite`s small writes while the data loop goes on reading and
/// parsing the next requests, used when a client keeps several writes in flight. One for the
/// process (`shared`): the engine has one data loop.
///
/// Why: with one replica at queue depth 32 the data loop was the bottleneck, at 100 % of a core
/// (perf: 99.6 % of the engine's samples on that one thread, ~40 % of them in `pwrite`), while
/// fio used about half of the other CPU; nbdkit spreads the same requests over 16 worker
/// threads. Taking the copies into the page cache off the loop lets both CPUs work.
///
/// One thread, not a pool: buffered writes to one file serialize on its inode lock anyway
/// (two pool threads spin on it: `rwsem_spin_on_owner` in nbdkit's profile), and one thread
/// keeps a volume's writes in the order they were queued. It is woken once per run of
/// writes, not once per write: `submit` only appends while a run is going on, and the run takes
/// everything queued before it goes back to sleep. A run's completions return to their owner's
/// loop in one task per piece of work taken (`SmallWriteOwner.smallWritesDone`).
final class SmallWriteThread: @unchecked Sendable {
    static let shared = SmallWriteThread()

    /// One write and who gets its completion.
    struct Job {
        let owner: any SmallWriteOwner
        let store: BackingStore
        let volume: UInt16
        let action: StorageAction
    }

    private let pool: NIOThreadPool
    private let lock = NIOLock()
    /// Guarded by `lock`: writes queued and not yet taken, and whether a run is going on (then
    /// the run takes what is queued; else `submit` starts one).
    private var queued: [Job] = []
    private var running = false
    /// The most writes a run takes at once, so that completions start flowing back while more
    /// are being written (a window of 32 writes would otherwise return in one piece).
    static let writesPerPieceMax = 64

    init() {
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    deinit { pool.shutdownGracefully { _ in } }

    /// Queues `job`; its completion goes to `job.owner` (with others of the same piece).
    func submit(_ job: Job) {
        let start: Bool = lock.withLock {
            queued.append(job)
            if running { return false }
            running = true
            return true
        }
        if start { pool.submit { _ in self.run() } }
    }

    /// Writes everything queued, in order, until the queue is empty; then the next `submit`
    /// starts a new run.
    private func run() {
        while true {
            let piece: [Job] = lock.withLock {
                let n = min(queued.count, Self.writesPerPieceMax)
                if n == 0 { running = false; return [] }
                let taken = Array(queued[..<n])
                queued.removeFirst(n)
                return taken
            }
            if piece.isEmpty { return }
            // Consecutive writes of one owner go back to it together.
            var results: [SmallWriteResult] = []
            results.reserveCapacity(piece.count)
            var owner = piece[0].owner
            for job in piece {
                if job.owner !== owner {
                    owner.smallWritesDone(results)
                    results.removeAll(keepingCapacity: true)
                    owner = job.owner
                }
                let result = job.store.performInline(job.action)
                    ?? .failed("\(job.store.path): a write sent to the small-write thread was not a small write")
                results.append(SmallWriteResult(volume: job.volume, completion: StorageCompletion(id: job.action.id, result: result)))
            }
            owner.smallWritesDone(results)
        }
    }
}

/// A small write's completion on its way back to the runtime that queued it.
struct SmallWriteResult: Sendable {
    let volume: UInt16
    let completion: StorageCompletion
}

/// Who queues writes on `SmallWriteThread`: told, from that thread, of a piece of completed
/// writes in the order they were queued; it hops onto its own loop itself.
protocol SmallWriteOwner: AnyObject, Sendable {
    func smallWritesDone(_ results: [SmallWriteResult])
}
