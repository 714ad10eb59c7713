import NIOCore
import ReplicationCore
import ReplicationWire

/// Carrying out the core's outputs (the ordering contract in `ReplicaOutput`).
extension ResourceRuntime {
    func execute(_ v: UInt16, _ out: ReplicaOutput) {
        for action in out.storage { perform(v, action) }
        if !out.messages.isEmpty { send(v, out.messages) }
        if !out.completions.isEmpty, let volume = volumes[v] {
            for c in out.completions {
                if let waiting = volume.clients.removeValue(forKey: c.id) { waiting.resume(c.result) }
            }
        }
        for t in out.transport { transport(v, t) }
        for r in out.adminReplies {
            if let waiting = volumes[v]?.admin.removeValue(forKey: r.id) { waiting.resume(returning: r.result) }
        }
        for e in out.events { record(e) }
        if !out.events.isEmpty { onChange() }
        drainInlineCompletions()
    }

    /// Queues the messages on their links (flushed at the end of the iteration). Per run of
    /// messages to one peer (a batch's writes, a burst's acks), not per message: the link is
    /// looked up, its lanes marked unflushed and its write bytes counted for status once; per
    /// message, each was a table lookup (two for a write's bytes) and a copy of the link.
    private func send(_ v: UInt16, _ messages: [OutboundMessage]) {
        var start = 0
        while start < messages.count {
            let peer = messages[start].to.rawValue
            var end = start + 1
            while end < messages.count && messages[end].to.rawValue == peer { end += 1 }
            defer { start = end }
            guard let link = links[LinkKey(volume: v, peer: peer)] else { continue }
            var writeBytes = 0
            var usedResync = false
            for k in start..<end {
                switch messages[k].message {
                case .write(let w):
                    writeBytes += w.data.readableBytes
                    link.main.send(messages[k].message)
                case .writeAck:
                    link.main.send(messages[k].message)
                default:
                    count(v, messages[k], to: peer)
                    let lane = link.lane(for: messages[k].message)
                    if lane !== link.main { usedResync = true }
                    lane.send(messages[k].message)
                }
            }
            if writeBytes > 0 { volumes[v]?.traffic[peer, default: Traffic()].sent += UInt64(writeBytes) }
            markUnflushed(link.main)
            if usedResync, let resync = link.resync { markUnflushed(resync) }
        }
        if !unflushedLanes.isEmpty { scheduleEndOfIteration() }
    }

    private func markUnflushed(_ lane: LinkLane) {
        if !unflushedLanes.contains(where: { $0.channel === lane.channel }) { unflushedLanes.append(lane) }
    }

    /// Feeds the completions of writes done at once to the core, each after the output that
    /// issued it was carried out completely (so messages and replies keep their order); the
    /// steps they cause may add more, which this loop takes too.
    func drainInlineCompletions() {
        guard !drainingInlineCompletions, !inlineCompletions.isEmpty else { return }
        drainingInlineCompletions = true
        while !inlineCompletions.isEmpty {
            let (v, completion) = inlineCompletions.removeFirst()
            step(v, .storage(completion))
        }
        drainingInlineCompletions = false
    }

    /// Runs `endOfIteration` once, after the work this event-loop iteration already has (the
    /// NBD requests and replication messages read in it): tasks run right after the
    /// iteration's I/O, so this adds no wait.
    func scheduleEndOfIteration() {
        guard !iterationEndScheduled else { return }
        iterationEndScheduled = true
        loop.execute { self.onLoop(()) { runtime, _ in runtime.endOfIteration() } }
    }

    /// First the links are flushed: the writes (or acks) of every request handled in this
    /// iteration leave in one writev and reach the peer as one wake-up, instead of one each.
    /// Then this node's own small writes: a peer starts on its copy of a batch while this node
    /// makes its own, in parallel, rather than after it (a protocol C write waits for both).
    /// Doing those `pwrite`s inside each request's step, as before, held the whole batch back
    /// from the link for their duration. Their completions may emit more (the acks of a peer's
    /// writes), which the next round of the loop flushes.
    func endOfIteration() {
        while true {
            stepPendingClientRequests()
            for lane in unflushedLanes { lane.flush() }
            unflushedLanes.removeAll(keepingCapacity: true)
            guard !deferredWrites.isEmpty else { break }
            // Swapped with the spare: writes the steps below defer go to the (empty) spare.
            var batch = spareDeferredWrites
            swap(&batch, &deferredWrites)
            // The completions of a volume's writes go to its core as one step (a run of
            // consecutive writes of one volume; usually the whole batch).
            var completed = scratchInputs
            scratchInputs = []
            completed.removeAll(keepingCapacity: true)
            var completedVolume: UInt16?
            // The backing store is looked up once per run of one volume's writes, not per write.
            var backingVolume: UInt16?
            var backing: BackingStore?
            for (v, action) in batch {
                if backingVolume != v {
                    backingVolume = v
                    backing = volumes[v]?.backing
                }
                let result = backing?.performInline(action)
                    ?? .failed("volume \(v): its backing disk went away before a write to it was done")
                if let w = completedVolume, w != v {
                    step(w, batch: completed)
                    completed.removeAll(keepingCapacity: true)
                }
                completedVolume = v
                completed.append(.storage(StorageCompletion(id: action.id, result: result)))
            }
            if let w = completedVolume { step(w, batch: completed) }
            completed.removeAll(keepingCapacity: true)
            scratchInputs = completed
            batch.removeAll(keepingCapacity: true)
            spareDeferredWrites = batch
        }
        iterationEndScheduled = false
    }

    func perform(_ v: UInt16, _ action: StorageAction) {
        if case .writeMetadata(let id, let update) = action {
            guard let volume = volumes[v], let current = volume.metadata, var writer = volume.metadataWriter else {
                step(v, .storage(StorageCompletion(id: id, result: .failed("no metadata record for a diskless volume"))))
                return
            }
            let next = current.applying(update)
            volume.metadata = next
            writer.activityLogExtentsMax = volume.instance.config.activityLogExtentsMax
            let write = writer.write(next, for: update)
            volume.metadataWriter = writer
            metadataWritesInFlight += 1
            Task {
                let result = await writer.run(write)
                self.metadataWritesInFlight -= 1
                if case .failed = result { self.volumes[v]?.metadataWriter?.writeFailed() }
                self.step(v, .storage(StorageCompletion(id: id, result: result)))
            }
            return
        }
        guard let backing = volumes[v]?.backing else {
            step(v, .storage(StorageCompletion(id: action.id, result: .failed("volume \(v) has no backing disk"))))
            return
        }
        if BackingStore.performsInline(action) {
            // With no peer link up there is nothing to send first (one replica, or every peer
            // away): the write is done now, as nbdkit's file plugin does it, and its completion
            // reaches the NBD connection within the read that brought the request, so the reply
            // leaves with that batch's flush. Deferring it to the end of the iteration cost two
            // loop tasks per request (that end, and a second flush for the reply).
            if links.isEmpty, let result = backing.performInline(action) {
                inlineCompletions.append((v, StorageCompletion(id: action.id, result: result)))
                return
            }
            deferredWrites.append((v, action))
            scheduleEndOfIteration()
            return
        }
        // The completion comes back on this actor's loop: no task, no hop through the pool.
        let direct = volumes[v]?.isResyncWrite(action.id) ?? false
        backing.perform(action, on: loop, direct: direct).whenSuccess { result in
            self.assumeIsolated { $0.step(v, .storage(StorageCompletion(id: action.id, result: result))) }
        }
    }
}

extension ResourceRuntime.VolumeRuntime {
    /// Whether storage action `id` writes resync data (`DirectWrite`). In place, as `step`:
    /// a call on `instance` from outside a mutating context copies the whole core.
    func isResyncWrite(_ id: StorageOpID) -> Bool { Self.isResyncWrite(&instance, id) }

    private static func isResyncWrite(_ instance: inout ReplicaInstance, _ id: StorageOpID) -> Bool {
        instance.isResyncWrite(id)
    }
}
