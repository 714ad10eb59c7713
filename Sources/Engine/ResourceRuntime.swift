import EngineAdmin
import EngineConfig
import EngineFiles
import Logging
import NIOCore
import NIOPosix
import ReplicationCore
import ReplicationWire

/// Runs one resource: a `ReplicaInstance` per volume, their backing disks and metadata files,
/// the replication links to every peer, and the NBD clients' requests. All decisions are the
/// core's; this actor only feeds it events one at a time and carries out its outputs following
/// the ordering contract in `ReplicaOutput`:
/// - data actions start at once on the thread pool (the core already serialised overlaps),
///   except small writes, done on this loop once the links are flushed (`endOfIteration`), or
///   right away when no link is up, their completions fed back after the output that issued
///   them (`drainInlineCompletions`);
/// - a metadata update is applied to the in-memory record and written durably before its
///   completion is fed back (at most one is outstanding);
/// - messages to a peer are written to its link in emission order (one TCP stream per peer and
///   volume); messages to a peer without a link are dropped (the core accounts for that);
/// - completions resume the waiting NBD request; admin replies resume the waiting admin call.
///
/// The actor runs on one NIO event loop (`loop`, its executor) rather than on the shared
/// cooperative pool: NBD requests and storage completions arriving on that loop are handled
/// synchronously (`assumeIsolated`) without a thread hop, and from another loop with one
/// `execute`, instead of a task creation and two hops each way. Nothing here may block: disk
/// I/O runs on the thread pool, as before.
///
/// This file holds the state and the stepping of the core; the rest is in extensions by concern:
/// `+Lifecycle` (up and down), `+Requests` (NBD and admin requests, exports), `+Execute` (the
/// core's outputs), `+Links` (replication connections), `+Status`, `+Adjust`, and
/// `+VolumeRuntime` (the per-volume record).
actor ResourceRuntime {
    /// The resource file in force; `reconfigure` replaces it in place (adjust).
    var config: ResourceConfig
    /// The resource name (fixed for the runtime's life; readable without the actor).
    nonisolated let name: String
    /// The event loop this actor's code runs on.
    nonisolated let loop: any EventLoop
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }
    let layout: EngineStateLayout
    let logger: Logger
    let group: any EventLoopGroup
    var volumes: [UInt16: VolumeRuntime] = [:]
    /// Per diskful volume: NBD READs the core would serve locally skip the actor (see LocalReadPath).
    var readPaths: [UInt16: LocalReadPath] = [:]
    /// Small writes done on this loop (`BackingStore.performInline`) at the end of the event-loop
    /// iteration, after the links are flushed (see `endOfIteration`).
    var deferredWrites: [(UInt16, StorageAction)] = []
    /// Completions of small writes done at once, when no peer link is up (nothing to flush
    /// first), fed to the core after the output that issued them is carried out (`execute`).
    var inlineCompletions: [(UInt16, StorageCompletion)] = []
    var drainingInlineCompletions = false
    /// Client requests handed in while a peer link is up and not yet given to the core: the
    /// requests of one NBD read (up to a client's whole queue) go to it as one step at the end
    /// of the event-loop iteration (`stepPendingClientRequests`), and before any other input
    /// reaches a core, so each core still sees its inputs in arrival order.
    var pendingClientRequests: [(UInt16, ReplicaInput)] = []
    /// The previous batch's array, kept to be reused (no allocation per batch).
    var spareClientRequests: [(UInt16, ReplicaInput)] = []
    /// Scratch arrays of the data path, kept between uses (emptied, storage kept) so that a batch
    /// of writes or acks does not allocate its arrays afresh: a user takes one out (leaving an
    /// empty array, which costs nothing) and puts it back when done, so a nested use never
    /// shares it. `deferredWrites` and `pendingClientRequests` swap with a spare of their own.
    var scratchInputs: [ReplicaInput] = []
    var spareDeferredWrites: [(UInt16, StorageAction)] = []
    /// `stepPendingClientRequests` is running: the steps it makes must not start it again.
    var steppingClientRequests = false
    /// Link connections written to and not yet flushed.
    var unflushedLanes: [LinkLane] = []
    var iterationEndScheduled = false
    var links: [LinkKey: PeerLink] = [:]
    /// (volume, peer) pairs the core wants connected.
    var wanted: Set<LinkKey> = []
    var dialers: [LinkKey: Task<Void, Never>] = [:]
    var listener: (any Channel)?
    var ticker: RepeatedTask?
    var nextLinkID: UInt64 = 1
    var nextRequestID: UInt64 = 1
    var nextAdminID: UInt64 = 1
    /// Messages for the operator, per peer (split brain, refused hellos), shown in status.
    var peerMessages: [UInt8: String] = [:]
    var lastError: String?
    var stopped = false
    /// The core instances have been started (`start()` got past listening); before that, `stop`
    /// must not step them.
    var instancesStarted = false
    /// Metadata writes started and not yet completed; `stop` waits for them so a clean
    /// shutdown leaves the detached record on disk.
    var metadataWritesInFlight = 0
    /// Called whenever something that status shows may have changed.
    let onChange: @Sendable () -> Void
    /// The threads the backing disks' I/O runs on (`BackingStore`); tests pass a pool of their
    /// own to hold I/O in flight.
    let ioThreadPool: NIOThreadPool

    static let ticksPerSecond: UInt32 = 10

    struct LinkKey: Hashable, Sendable { var volume: UInt16; var peer: UInt8 }

    /// A connection to one peer for one volume: its main TCP connection and, once the peer opened
    /// it, its resync connection (`ReplicationHello.Lane`). Messages go out on the main one,
    /// resync replies on the resync one when it is up. Either one ending ends the link (the core
    /// knows one connection per peer).
    struct PeerLink {
        let id: UInt64
        let main: LinkLane
        /// Ties the resync connection to this main connection (`ReplicationHello.connectionToken`).
        let connectionToken: UInt64
        var resync: LinkLane?

        var channel: any Channel { main.channel }

        /// Where `message` goes: a resync reply (up to 1 MiB) on the resync connection, so that
        /// the application's writes and acks on the main one never queue behind it. Before the
        /// resync connection is up, on the main one: ordering between the two is not relied on
        /// (a write that reaches the target while a resync request for its range is outstanding
        /// keeps the reply from being written over the blocks it touches, whichever arrives
        /// first).
        func lane(for message: PeerMessage) -> LinkLane {
            if case .resyncReply = message, let resync { return resync }
            return main
        }

        func close() {
            main.channel.close(promise: nil)
            resync?.channel.close(promise: nil)
        }
    }

    /// One TCP connection of a link and its frame writer. A class: the runtime passes lanes and
    /// the links holding them around per message, and a struct's copies retained and released
    /// each of its references every time (the channel, the writer and its context).
    final class LinkLane {
        let channel: any Channel
        /// The channel's frame writer and its context: messages are handed to it directly (see
        /// `send`). Nil only if the channel is not on this actor's loop.
        let writer: (handler: ReplicationFrameWriter, context: ChannelHandlerContext)?

        init(channel: any Channel, loop: any EventLoop) {
            self.channel = channel
            if channel.eventLoop === loop,
               let handler = try? channel.pipeline.syncOperations.handler(type: ReplicationFrameWriter.self),
               let context = try? channel.pipeline.syncOperations.context(handlerType: ReplicationFrameWriter.self) {
                writer = (handler, context)
            } else {
                writer = nil
            }
        }

        /// Queues `message` on the connection; it leaves at the next `flush`. Straight into the
        /// frame writer rather than through `channel.write`: that boxed every message in an
        /// existential (an allocation) and cast it back in the writer, per message.
        func send(_ message: PeerMessage) {
            if let writer { writer.handler.send(message, context: writer.context) } else {
                channel.write(ReplicationOutbound.message(message), promise: nil)
            }
        }

        func flush() {
            if let writer { writer.handler.flush(context: writer.context) } else { channel.flush() }
        }
    }

    init(config: ResourceConfig, layout: EngineStateLayout, group: any EventLoopGroup, logger: Logger,
         ioThreadPool: NIOThreadPool = .singleton, onChange: @escaping @Sendable () -> Void) {
        self.config = config; self.name = config.name; self.layout = layout; self.group = group; self.onChange = onChange
        self.ioThreadPool = ioThreadPool
        self.loop = group.next()
        var logger = logger
        logger[metadataKey: "resource"] = "\(config.name)"
        self.logger = logger
    }

    // MARK: stepping

    func tick() {
        guard !stopped else { return }
        for v in volumes.keys.sorted() { step(v, .tick) }
        onChange()
    }

    func step(_ v: UInt16, _ input: ReplicaInput) {
        if !pendingClientRequests.isEmpty { stepPendingClientRequests() }
        guard !stopped, instancesStarted, let volume = volumes[v] else { return }
        let (output, local) = volume.step(input, atMicros: NIODeadline.now().uptimeNanoseconds / 1000)
        afterStep(v, volume, output, readsLocally: local)
    }

    /// Steps the core once for a burst of data-path events of one volume, in order (a link's
    /// writes or acks from one read, the completions of one iteration's small writes).
    func step(_ v: UInt16, batch inputs: [ReplicaInput]) {
        if !pendingClientRequests.isEmpty { stepPendingClientRequests() }
        guard !inputs.isEmpty, !stopped, instancesStarted, let volume = volumes[v] else { return }
        if inputs.count == 1 { return step(v, inputs[0]) }
        let (output, local) = volume.step(batch: inputs, atMicros: NIODeadline.now().uptimeNanoseconds / 1000)
        afterStep(v, volume, output, readsLocally: local)
    }

    /// Steps the client requests held back in this iteration, each volume's run of them as one
    /// batch. A step for a request costs the core its follow-up work (`afterStep`) and the shell
    /// an output to build and carry out: once per request before, a third of the Primary's
    /// steps per replicated write.
    func stepPendingClientRequests() {
        guard !steppingClientRequests else { return }
        steppingClientRequests = true
        defer { steppingClientRequests = false }
        // Taken out before stepping: a step may hand in more (a reply lets the NBD connection
        // decode requests it held back), which come after this batch, in the next round.
        while !pendingClientRequests.isEmpty {
            var batch = pendingClientRequests
            pendingClientRequests = spareClientRequests
            spareClientRequests = []
            var inputs = scratchInputs
            scratchInputs = []
            var start = 0
            while start < batch.count {
                let v = batch[start].0
                var end = start + 1
                while end < batch.count && batch[end].0 == v { end += 1 }
                inputs.removeAll(keepingCapacity: true)
                for k in start..<end { inputs.append(batch[k].1) }
                step(v, batch: inputs)
                start = end
            }
            inputs.removeAll(keepingCapacity: true)
            scratchInputs = inputs
            batch.removeAll(keepingCapacity: true)
            spareClientRequests = batch
        }
    }

    private func afterStep(_ v: UInt16, _ volume: VolumeRuntime, _ output: consuming ReplicaOutput, readsLocally local: Bool) {
        // Before `execute` resumes this step's completions: a read that follows an acknowledged
        // write, or a disk failure, must already find the read path as the core now decides.
        if volume.readsLocally != local {
            volume.readsLocally = local
            readPaths[v]?.update(from: volume.instance, stopped: stopped)
        }
        execute(v, output)
        // Its arrays' storage serves the next step's output (`reuseStorage`): its last use here.
        volume.instance.reuseStorage(of: output)
    }

    func record(_ event: StateEvent) {
        // A connection that comes up again means the operator resolved what the last error
        // (split brain, refused hello) was about.
        if case .connection(let c) = event, c.connection == .connected { lastError = nil }
        if case .log(let level, let text) = event {
            switch level {
            case .info: logger.info("\(text)")
            case .warning: logger.warning("\(text)")
            case .error: logger.error("\(text)"); lastError = text
            }
        }
    }

    /// Counts replication payload per peer for status (`sent`, `rs-sent`, …). Messages without
    /// payload (acks, the bulk of the messages) return before any table is touched, and the
    /// rest update their entry in place: one lookup, where a copy out and back took two, plus
    /// the volume's, per message.
    func count(_ v: UInt16, _ m: OutboundMessage, to peer: UInt8) {
        switch m.message {
        case .write(let w): volumes[v]?.traffic[peer, default: Traffic()].sent += UInt64(w.data.readableBytes)
        // Resync counts the volume bytes brought in sync (a range of zeros travels as a marker;
        // a failed reply brings nothing, and its range is asked for again).
        case .resyncReply(let r):
            volumes[v]?.traffic[peer, default: Traffic()].add(sent: r.data.readableBytes, resync: r.syncedBytes)
        case .readReply(let r): volumes[v]?.traffic[peer, default: Traffic()].sent += UInt64(r.data.count)
        default: break
        }
    }

    func countInbound(_ v: UInt16, _ message: PeerMessage, from peer: UInt8) {
        switch message {
        case .write(let w): volumes[v]?.traffic[peer, default: Traffic()].received += UInt64(w.data.readableBytes)
        case .resyncReply(let r):
            volumes[v]?.traffic[peer, default: Traffic()].add(received: r.data.readableBytes, resync: r.syncedBytes)
        case .readReply(let r): volumes[v]?.traffic[peer, default: Traffic()].received += UInt64(r.data.count)
        default: break
        }
    }
}

extension ResyncReply {
    /// The volume bytes this reply carries toward sync: its range, unless it failed.
    var syncedBytes: UInt32 { status == .failed ? 0 : lengthBytes }
}
