/// Admin requests that arrive while a resource is still coming up. The engine opens its admin
/// socket before it brings its resources up (so `status` answers during a long start), and
/// brings them up one after another: `tandem adm primary r2` right after the engine started
/// used to get "r2: no such resource is up" while r1 was still opening its metadata — seen in
/// bench/engine under load. `drbdadm primary` on a resource that is being brought up waits for
/// it; so do these requests, for `comingUpWaitMax` at most, and then say it is still coming up.
extension EngineSupervisor {
    /// Names queued by the engine's start, being brought up, or restarting.
    var comingUp: Set<String> { queuedAtStart.union(bringingUp).union(restarting) }

    /// Waits until `name` is no longer coming up: true once it is up, down or failed, false when
    /// `comingUpWaitMax` passed first (or the request was cancelled: its client went away).
    /// `up` and `down` wait only for a bring-up in progress (`onlyBringUp`): an `adjust` restart
    /// calls both itself, and waiting for its own restart would only time out.
    func settle(_ name: String, onlyBringUp: Bool = false) async -> Bool {
        let deadline = ContinuousClock.now + comingUpWaitMax
        while onlyBringUp ? bringingUp.contains(name) : comingUp.contains(name) {
            guard ContinuousClock.now < deadline else { return false }
            // A bring-up ends inside this actor, with nothing to wait on from outside it; a
            // short poll is cheap next to a resource's start (files, metadata, a listener).
            do { try await Task.sleep(for: .milliseconds(20)) } catch { return false }
        }
        return true
    }

    func stillComingUp(_ name: String) -> String {
        "\(name) is still coming up (the engine is bringing up its resources; waited \(comingUpWaitMax)); "
            + "try again, `tandem adm status \(name)` shows it once it is up"
    }
}
