import NIOPosix

/// Runs calls that can block for long — a `losetup` run and the wait for it, mounting and
/// unmounting the FUSE file system, closing a loop device the kernel then tears down — on
/// threads of their own, never on Swift's cooperative pool.
///
/// Why: the cooperative pool has one thread per core (two on a small node). Every async task of
/// the process runs there, including the ones that answer the FUSE requests of our own loop
/// device. Two blocking calls on it (two detaches at once, or a detach while the device still
/// has I/O to finish) stall every task in the process until they return; a call that itself
/// waits for the kernel to finish I/O through our FUSE file then never returns. A stall like
/// that was the suspect of the detach hang seen after `rd delete` (LocalDeviceAttachment).
public enum BlockingWork {
    /// Concurrent blocking calls; more wait in the pool's queue, off the cooperative pool too.
    public static let threadsMax = 4

    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: threadsMax)
        pool.start()
        return pool
    }()

    /// Runs `body` on a blocking-work thread and returns what it returned or threw.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }
}
