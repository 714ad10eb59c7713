import CTandemIO

/// Keeps the engine's heap close to what it holds.
///
/// Why: the engine's live heap is about 1 MiB after a round of I/O, but glibc kept 15-37 MiB
/// more resident (measured with malloc_stats after `bench/engine --quick`: 11 arenas, 77 MB of
/// arena space, 1.08 MB in use). Every thread that allocates gets an arena of its own (up to 8
/// per core), each 1 MiB WRITE passes through several buffers (the NBD input, the core's copy,
/// the link frame) on different threads, and freed chunks stay in their arena. Two arenas and
/// a trim every two seconds bring the resident heap back to a few MiB after a burst, and cost
/// nothing measurable: a trim walks the free lists and returns whole free pages (`madvise`), a
/// page taken again later costs one page fault.
///
/// Between trims, freed blocks stay in the heap for the next request (`keepFreedBytes`).
/// glibc's own defaults returned them at once: a freed block over its mmap threshold went back
/// to the system, and a heap whose free top grew past its trim threshold (twice the last mmap
/// threshold, 2-8 MiB here) shrank right away. Resync and large writes allocate and free 1 MiB
/// buffers at a high rate on several threads, so each new buffer was fresh memory: 256 page
/// faults and zeroed pages per MiB, measured as 170-360 faults per MiB resynced on the source
/// (13-25 with the heap kept), 30-45 % more engine CPU per MiB, and half the resync rate in the
/// same minutes on the shared machine (bench/resync). The periodic trim still returns what the
/// heap holds after a burst.
enum EngineHeap {
    /// Arenas glibc may use: the main arena and one more, shared by every other thread.
    static let arenasMax: Int32 = 2
    static let trimInterval: Duration = .seconds(2)
    /// Blocks up to this size come from the heap, not from mmap: an NBD request's payload (at
    /// most 4 MiB) with its header, and the 1 MiB resync and replication buffers.
    static let heapBlockBytesMax = 8 << 20
    /// Free memory a heap keeps at its top between trims: a resync window's buffers (8 MiB by
    /// default, on both sides of the copy) and a burst of large requests in flight.
    static let keepFreedBytes = 16 << 20

    /// Before the engine starts its threads: threads that allocate from now on share the
    /// arenas, and freed buffers are reused rather than returned to the system at once.
    static func configure() {
        _ = ctandem_malloc_set_arena_max(arenasMax)
        _ = ctandem_malloc_keep_freed(heapBlockBytesMax, keepFreedBytes)
    }

    /// Returns free heap pages to the system every `trimInterval` until the task is cancelled.
    static func trimPeriodically() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: trimInterval) } catch { return }
            _ = ctandem_malloc_trim()
        }
    }
}
