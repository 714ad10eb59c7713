import CTandemIO
import Engine
import TandemCLI

/// A command whose process carries a block device's I/O: the engine (NBD exports, replication,
/// the backing disks) and the attach commands (the FUSE file behind a loop device). When the
/// kernel writes back dirty pages of a file system on such a device, this process must run to
/// complete them; if one of its threads, allocating memory, were sent into reclaim that waits
/// for that same writeback, it would deadlock. `PR_SET_IO_FLUSHER` makes the kernel treat the
/// thread's allocations like a block driver's (no I/O reclaim, own throttling), as ublk servers
/// and nbd-client do. It is a per-thread flag inherited by threads created later, so it is set
/// on the main thread before any other exists (`ProcessPreparing`): then the event loops, the
/// data and metadata thread pools, libfuse's threads and the cooperative pool all carry it.
protocol ServesBlockIO: ProcessPreparing {}

extension ServesBlockIO {
    static func prepareProcess() { markAsIOFlusher() }

    static func markAsIOFlusher() {
        // Needs CAP_SYS_RESOURCE (root has it) and Linux 5.6; without it the process runs as
        // before, with the deadlock risk docs/local-device.md describes.
        _ = ctandem_set_io_flusher()
    }
}

extension EngineCommand: ServesBlockIO {
    /// The engine also limits malloc's arenas here, for the same reason: a thread keeps the
    /// arena it got at its first allocation (`EngineHeap.limitArenas`).
    static func prepareProcess() {
        markAsIOFlusher()
        EngineDaemon.prepareProcess()
    }
}
extension NBDAttachCommand: ServesBlockIO {}
extension AdmCommand.Attach: ServesBlockIO {}
