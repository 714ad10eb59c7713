/// Entering the actor from code already running on its event loop, for the data path.
extension ResourceRuntime {
    /// `body(self, argument)` with the actor's isolation, from code running on `loop` (its
    /// executor); traps anywhere else. What `assumeIsolated` does, without its two heap
    /// allocations per call: its closure captures the arguments (a context on the heap, as it is
    /// made escaping for the isolation cast) and is wrapped in a reabstraction thunk (another).
    /// Those were two of the Primary's few allocations per replicated 4 KiB write
    /// (`submitOnLoop`). Here the arguments travel as a value and `body` must capture nothing
    /// (a closure without captures has no context). The cast is the standard library's: a
    /// function taking its actor `isolated` is called as one taking it plainly, which is sound
    /// only on the actor's executor, hence the check first.
    @inline(__always)
    nonisolated func onLoop<A, R>(_ argument: A, _ body: @escaping (isolated ResourceRuntime, A) -> R) -> R {
        loop.preconditionInEventLoop()
        return unsafeBitCast(body, to: ((ResourceRuntime, A) -> R).self)(self, argument)
    }
}
