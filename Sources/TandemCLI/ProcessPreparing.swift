/// A command that sets process-wide, per-thread attributes before the process has threads.
///
/// Some Linux attributes belong to a thread and are inherited only by the threads it creates
/// afterwards (`prctl(PR_SET_IO_FLUSHER)`). Set in `run()` they would mark one thread of the
/// cooperative pool, not the event loops and thread pools that already exist or that other
/// threads start. `TandemMain.run` calls `prepareProcess()` on the main thread right after
/// parsing, before the command runs and so before the first thread is created: every thread
/// of the process descends from the main thread and inherits what it set.
public protocol ProcessPreparing {
    static func prepareProcess()
}
