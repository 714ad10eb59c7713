import CTandemIO

/// Keeps the engine's heap close to what it holds.
///
/// Why: the engine's live heap is about 1 MiB after a round of I/O, but glibc kept 15-37 MiB
/// more resident (measured with malloc_stats after `bench/engine --quick`: 11 arenas, 77 MB of
/// arena space, 1.08 MB in use). Every thread that allocates gets an arena of its own (up to 8
/// per core), each 1 MiB WRITE passes through several buffers (the NBD input, the core's copy,
/// the link frame) on different threads, and freed chunks stay in their arena. One arena and a
/// trim every two seconds bring the resident heap back to what is in use after a burst, and
/// cost nothing measurable: a trim walks the free lists and returns whole free pages
/// (`madvise`) and the arena's free top (`brk`); a page taken again later costs one page fault.
enum EngineHeap {
    /// Arenas glibc may use: only the main arena, shared by every thread.
    /// Why one: `malloc_trim` returns the free top of the main arena only; a second arena's top
    /// stays resident at the highest point the arena ever reached, which follows how many
    /// requests were in flight at once, not what the engine holds. Measured (engine tier, after
    /// a 24 MiB burst, a kill -9 of the peer and the resync, load 14, debug build): with two
    /// arenas RssAnon stayed at 10.9 MiB, 7.2 of it one arena's free top with 28 KB in use;
    /// with one it fell to 3.7 MiB (1.2 MB in use). Contention stays as it was: the NBD
    /// connections, the resource runtimes and the links all run on one data loop, and the
    /// other threads (I/O and metadata pools) allocated from the same shared arena before.
    static let arenasMax: Int32 = 1
    static let trimInterval: Duration = .seconds(2)

    /// Blocks up to this size (a 4 MiB replication frame, a large NBD request) come from the
    /// arenas, not from a mapping of their own, which every free unmaps and every allocation
    /// faults in again page by page.
    static let mmapThresholdBytes = 8 << 20
    /// Free memory at an arena's top that `free` leaves in place (the periodic trim returns it).
    /// Why: with glibc's default (which follows the largest block freed, here 2 MiB), freeing
    /// a 1 MiB write's buffers shrank the heap nearly every time and the next write's buffers
    /// were faulted in and zeroed afresh: perf on a peer taking 1 MiB writes showed page
    /// faults, page clearing and brk at about a tenth of its CPU.
    static let trimThresholdBytes = 64 << 20

    /// On the main thread before the process starts any other (`tandem engine`'s
    /// `prepareProcess`): glibc gives a thread its arena at its first allocation and never moves
    /// it, so a limit set later leaves the arenas of threads that already allocated. Set in
    /// `EngineDaemon.run`, on a cooperative-pool thread, it left four arenas. Freed I/O buffers
    /// are kept for the next request until the periodic trim.
    public static func limitArenas() {
        _ = ctandem_malloc_set_arena_max(arenasMax)
        _ = ctandem_malloc_keep_free_memory(mmapThresholdBytes, trimThresholdBytes)
    }

    /// Returns free heap pages to the system every `trimInterval` until the task is cancelled.
    static func trimPeriodically() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: trimInterval) } catch { return }
            AlignedBufferPool.shared.releaseIfIdle()
            _ = ctandem_malloc_trim()
        }
    }
}
