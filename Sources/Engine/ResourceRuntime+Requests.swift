import EngineAdmin
import NIOCore
import ReplicationCore

/// Requests from NBD clients and from `tandem adm`, handed to the core; exports opening and
/// closing (auto-promote's writer count).
extension ResourceRuntime {
    func submit(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32, fua: Bool) async -> ClientResult {
        let promise = loop.makePromise(of: ClientResult.self)
        submit(v, operation, offset: offset, length: length, fua: fua, completing: promise)
        return (try? await promise.futureResult.get()) ?? .failed(ClientError(.io, "\(config.name): request abandoned"))
    }

    /// Hands a client request to the core; `promise` is completed with the result (from this
    /// actor's loop; its callbacks run on the promise's own loop).
    func submit(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32, fua: Bool,
                completing promise: EventLoopPromise<ClientResult>) {
        submit(v, operation, offset: offset, length: length, fua: fua, waiter: .promise(promise))
    }

    func submit(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32, fua: Bool, waiter: ClientWaiter) {
        guard !stopped, let volume = volumes[v] else {
            waiter.resume(.failed(ClientError(.io, "\(config.name) is down")))
            return
        }
        let id = ClientRequestID(nextRequestID)
        nextRequestID += 1
        switch operation {
        case .read: volume.readBytes += UInt64(length)
        case .write, .trim, .writeZeroes: volume.writtenBytes += UInt64(length)
        case .flush: break
        }
        volume.clients[id] = waiter
        let input = ReplicaInput.client(ClientRequest(id: id, operation: operation, offsetBytes: offset, lengthBytes: length, fua: fua))
        // With a peer link up, the request's local write and its link flush wait for the end of
        // the iteration anyway (`endOfIteration`): it reaches the core there, with the others
        // of this iteration, in one step. Without one (a single replica), a small write is done
        // at once and its reply leaves with the read that brought it (`perform`), so it is
        // stepped now.
        if !links.isEmpty {
            pendingClientRequests.append((v, input))
            scheduleEndOfIteration()
        } else {
            step(v, input)
        }
    }

    /// `submit` from any thread without a task: synchronously when called on this actor's loop,
    /// else with one hop onto it.
    nonisolated func submitFromEventLoop(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32,
                                         fua: Bool, completing promise: EventLoopPromise<ClientResult>) {
        if loop.inEventLoop {
            assumeIsolated { $0.submit(v, operation, offset: offset, length: length, fua: fua, completing: promise) }
        } else {
            loop.execute {
                self.assumeIsolated { $0.submit(v, operation, offset: offset, length: length, fua: fua, completing: promise) }
            }
        }
    }

    /// `submit` from code running on this actor's loop (checked by the caller): `waiter` is
    /// resumed on this loop; before this returns when the core answers at once (e.g. a refusal)
    /// and no peer link is up, else at the end of the iteration at the earliest.
    nonisolated func submitOnLoop(_ v: UInt16, _ operation: ClientOperation, offset: UInt64, length: UInt32, fua: Bool,
                                  waiter: ClientWaiter) {
        onLoop((v, operation, offset, length, fua, waiter)) {
            $0.submit($1.0, $1.1, offset: $1.2, length: $1.3, fua: $1.4, waiter: $1.5)
        }
    }

    func admin(_ v: UInt16, _ command: AdminCommand) async -> AdminResult {
        guard !stopped, volumes[v] != nil else { return .refused("\(config.name) is down") }
        let id = AdminRequestID(nextAdminID)
        nextAdminID += 1
        return await withCheckedContinuation { continuation in
            volumes[v]!.admin[id] = continuation
            step(v, .admin(command, id: id))
        }
    }

    /// Runs an admin command on every volume; the first refusal is the answer.
    func adminAll(_ command: AdminCommand) async -> AdminResult {
        for v in volumes.keys.sorted() {
            let result = await admin(v, command)
            if case .refused = result { return result }
        }
        // The operator acted on what the last error asked for (a split brain, unrelated data:
        // "… connection is StandAlone"): status stops showing it while the connection is
        // Connecting again, where it stayed until Connected and contradicted the connection
        // line. A refusal met again is logged, and shown, again.
        if case .connect = command { lastError = nil }
        return .done
    }

    func exportOpened(_ v: UInt16) {
        volumes[v]?.openExports += 1
        volumes[v]?.writers += 1
        if let w = volumes[v]?.writers { step(v, .writersChanged(count: w)) }
        onChange()
    }

    func exportClosed(_ v: UInt16) {
        guard let w = volumes[v]?.writers, w > 0 else { return }
        volumes[v]!.openExports -= 1
        volumes[v]!.writers = w - 1
        step(v, .writersChanged(count: w - 1))
        onChange()
    }

    /// How long an open waits for a Primary peer to demote (`auto-promote-timeout`).
    var autoPromoteTimeout: Duration { .milliseconds(config.options.autoPromoteTimeoutTenths * 100) }

    /// Why a new writer may not open the volume here, or nil when it may.
    func writerRefusal(_ v: UInt16) -> String? {
        guard let instance = volumes[v]?.instance else { return "\(config.name) is down" }
        let status = instance.status
        if status.resource.role == .primary { return nil }
        if let primary = status.connections.first(where: { $0.peerRole == .primary }) {
            return "\(config.name) is Primary on \(primary.peerName) (node \(primary.peer)); one writer at a time: close it there or run `tandem adm secondary \(config.name)` on \(primary.peerName)"
        }
        return nil
    }

    func sizeBytes(_ v: UInt16) -> UInt64? { volumes[v]?.sizeBytes }

    func localReadPath(_ v: UInt16) -> LocalReadPath? { readPaths[v] }
}
