import NIOCore
@testable import ReplicationCore

/// A deterministic in-process cluster of `ReplicaInstance`s with a simulated network (one
/// ordered stream per connected pair, directional blocking for partitions), simulated disks
/// (block-level byte arrays, metadata records) and a trace of what happened. Used by the
/// scenario scripts (explicit steps) and the seeded simulation (random steps).
final class SimCluster {
    struct SimNode {
        var config: ReplicaConfig
        var instance: ReplicaInstance?
        /// Durable contents of the backing store.
        var data: [UInt8]
        /// Durable metadata (nil for a diskless client).
        var metadata: PersistedMetadata?
        /// Storage actions handed out and not completed, in issue order.
        var pending: [StorageAction] = []
        /// Transport wanted toward each peer (last directive).
        var wants: Set<UInt8> = []
        /// Fail the next N data writes (injected disk fault).
        var failWrites = 0
        var restarts: UInt64 = 0
    }

    struct Link {
        var up = false
        var queues: [UInt8: [PeerMessage]] = [:]  // keyed by receiver
        /// Resync replies, when `resyncLane` is on (keyed by receiver).
        var resyncQueues: [UInt8: [PeerMessage]] = [:]
        /// With `resyncLane`: when each queued message was sent (`sendCount`), per queue, and the
        /// latest send of a main-stream message delivered, per receiver (`laneOrderProbe`).
        var mainStamps: [UInt8: [UInt64]] = [:]
        var resyncStamps: [UInt8: [UInt64]] = [:]
        var lastMainDelivered: [UInt8: UInt64] = [:]
    }

    /// Resync replies travel on a second ordered stream per pair, as on the engine's resync
    /// connection (`ReplicationHello.Lane`): delivered independently of everything else the
    /// pair sends, so a reply can overtake or fall behind the writes around it. Closing a link
    /// loses what is still on that stream (the engine drops the link when either connection ends).
    var resyncLane = false
    var sendCount: UInt64 = 0
    /// Told, at each resync reply delivered with `resyncLane`, whether it overtook messages the
    /// pair sent before it (1, 0), fell behind one sent after it (0, 1), both or neither.
    var laneOrderProbe: ((Int, Int) -> Void)?

    var nodes: [SimNode] = []
    var links: [String: Link] = [:]
    /// Directions (from, to) that drop everything.
    var blocked: Set<[UInt8]> = []
    var closing: Set<String> = []
    var trace: [String] = []
    var traceMessages = false
    /// Generations in traced handshakes, announcements and state reports (the simulation's
    /// SIM_TRACE; the scenarios' golden output keeps the short form).
    var verboseMessages = false
    /// Off in the simulation: only failures need the story, and it costs time.
    var recordTrace = true
    /// Debugging aid (SIM_TRACE): a line for every metadata header that becomes durable.
    var traceMetadata = false
    /// How many rounds `stabilize` runs before it calls the cluster livelocked (messages that
    /// never stop, e.g. two nodes renegotiating forever).
    var stabilizeRoundsMax = 100_000
    /// Set by the simulation: a livelock ends that seed's run with a failure (`livelock`) instead
    /// of stopping the whole test process, which took every other test's result with it.
    var livelockEndsRun = false
    /// What the first `stabilize` that ran out of rounds saw; once set, `stabilize` does nothing.
    var livelock: String?
    var nextClientID: UInt64 = 1
    var nextAdminID: UInt64 = 1
    /// Client completions by request id.
    var completions: [UInt64: ClientResult] = [:]
    var adminResults: [AdminResult] = []
    var logs: [String] = []
    let seed: UInt64
    /// Debugging aid (SIM_WATCH_BLOCK): trace every change of this block's durable contents
    /// or out-of-sync bits on any node.
    /// Which nodes' disks each client write reached (key: `SimCluster.landingKey`), to judge
    /// protocol A writes of a writer that crashed.
    var landed: [String: Set<Int>] = [:]
    var watchBlock: Int?
    var watchBlockBytes = 4096
    var lastWatch = ""

    init(nodeCount: Int, sizeBytes: UInt64, seed: UInt64 = 1, disklessClients: Set<Int> = [],
         configure: (inout ReplicaConfig) -> Void = { _ in }, thin: Bool = false) {
        self.seed = seed
        for n in 0 ..< nodeCount {
            let peers = (0 ..< nodeCount).filter { $0 != n }.map {
                PeerConfig(nodeID: NodeID(UInt8($0)), name: "n\($0)", disklessClient: disklessClients.contains($0))
            }
            var config = ReplicaConfig(resourceName: "r0", nodeID: NodeID(UInt8(n)), nodeName: "n\(n)",
                                       disklessClient: disklessClients.contains(n), peers: peers, sizeBytes: sizeBytes)
            configure(&config)
            let metadata = config.disklessClient ? nil : PersistedMetadata.create(for: config, thin: thin)
            nodes.append(SimNode(config: config, instance: nil, data: Array(repeating: 0, count: Int(sizeBytes)), metadata: metadata))
        }
        for n in nodes.indices { boot(n) }
    }

    func boot(_ n: Int) {
        var instance = try! ReplicaInstance(config: nodes[n].config, metadata: nodes[n].metadata,
                                            randomSeed: seed &* 1_000_003 &+ UInt64(n) &+ nodes[n].restarts &* 7919)
        nodes[n].instance = instance
        let output = instance.start()
        nodes[n].instance = instance
        apply(n, output)
    }

    func key(_ a: UInt8, _ b: UInt8) -> String { a < b ? "\(a)-\(b)" : "\(b)-\(a)" }

    // MARK: Driving one node

    @discardableResult
    func step(_ n: Int, _ input: ReplicaInput) -> ReplicaOutput? {
        guard var instance = nodes[n].instance else { return nil }
        let output = instance.step(input)
        nodes[n].instance = instance
        apply(n, output)
        if watchBlock != nil { watch("n\(n) \(describe(input))") }
        return output
    }

    func apply(_ n: Int, _ output: ReplicaOutput) {
        nodes[n].pending += output.storage
        for message in output.messages {
            let to = message.to.rawValue
            let k = key(UInt8(n), to)
            guard links[k]?.up == true else { continue }
            if traceMessages { trace.append("  n\(n) -> n\(to): \(describe(message.message))") }
            sendCount += 1
            if resyncLane, case .resyncReply = message.message {
                links[k]!.resyncQueues[to, default: []].append(message.message)
                links[k]!.resyncStamps[to, default: []].append(sendCount)
            } else {
                links[k]!.queues[to, default: []].append(message.message)
                if resyncLane { links[k]!.mainStamps[to, default: []].append(sendCount) }
            }
        }
        for completion in output.completions {
            completions[completion.id.rawValue] = completion.result
            if recordTrace { trace.append("  n\(n): client \(completion.id) \(describe(completion.result))") }
        }
        for reply in output.adminReplies {
            adminResults.append(reply.result)
            switch reply.result {
            case .done: trace.append("  n\(n): admin ok")
            case .refused(let why): trace.append("  n\(n): admin refused: \(why)")
            }
        }
        for directive in output.transport {
            switch directive {
            case .connect(let peer): nodes[n].wants.insert(peer.rawValue)
            case .disconnect(let peer):
                nodes[n].wants.remove(peer.rawValue)
                closeLink(from: UInt8(n), to: peer.rawValue)
            }
        }
        for event in output.events {
            if case .log(_, let text) = event, !recordTrace {
                if text.contains("split brain") || text.contains("unrelated") { logs.append(text) }
                continue
            }
            if recordTrace { trace.append("  n\(n): \(describe(event))") }
        }
    }

    func describe(_ input: ReplicaInput) -> String {
        switch input {
        case .message(let message, let from): return "<- n\(from): \(describe(message))"
        case .storage(let completion):
            switch completion.result {
            case .data(let bytes): return "storage \(completion.id) data \(bytes.count) B"
            default: return "storage \(completion.id) \(completion.result)"
            }
        default: return "\(input)".prefix(80).description
        }
    }

    /// A metadata header in one trace line: what a restart from it comes back with.
    func describe(_ header: MetadataHeader) -> String {
        "disk=\(header.disk.rawValue) current=\(header.generations.current) flags=0x\(String(header.flags.rawValue, radix: 16)) activity-log=\(header.activityLog)"
            + (header.crashedPrimarySettledPeers.isEmpty ? "" : " crashed-primary-settled=\(header.crashedPrimarySettledPeers.map { "n\($0.rawValue)" })")
            + (header.crashMarkedExtents.isEmpty ? "" : " crash-marked=\(header.crashMarkedExtents)")
    }

    /// Appends a trace line when the watched block changed anywhere: per node its value (first
    /// 8 bytes, hex), disk state, generation and the peers whose bit is set.
    func watch(_ context: String) {
        guard let block = watchBlock else { return }
        var parts: [String] = []
        for n in nodes.indices {
            let bytes = nodes[n].data[block * watchBlockBytes ..< block * watchBlockBytes + 8]
            var value: UInt64 = 0
            for (j, byte) in bytes.enumerated() { value |= UInt64(byte) << (8 * UInt64(j)) }
            guard let instance = nodes[n].instance else {
                parts.append("n\(n)[down \(value >> 8)]")
                continue
            }
            let bits = instance.peers.filter { $0.bitmap?.isSet(UInt64(block)) == true }.map { "\($0.id)" }.joined()
            parts.append("n\(n)[\(value >> 8) \(instance.disk.rawValue.prefix(3)) \(instance.generations.current.description.prefix(4)) bits:\(bits)]")
        }
        let line = parts.joined(separator: " ")
        if line != lastWatch {
            lastWatch = line
            trace.append("  WATCH b\(block): \(line)   after \(context)")
        }
    }

    func describe(_ result: ClientResult) -> String {
        switch result {
        case .done: return "done"
        case .data(let bytes): return "data \(bytes.count) B first=\(bytes.first ?? 0)"
        case .failed(let error): return "failed \(error.code): \(error.message)"
        }
    }

    func describe(_ event: StateEvent) -> String {
        switch event {
        case .resource(let r): return "resource role:\(r.role.rawValue)\(r.suspended.map { " suspended:\($0)" } ?? "") may_promote:\(r.mayPromote ? "yes" : "no")"
        case .device(let d):
            return "device disk:\(d.disk.rawValue)\(d.reason.map { " reason:\($0.rawValue)" } ?? "") quorum:\(d.quorum ? "yes" : "no")\(d.client ? " client:yes" : "")"
        case .connection(let c): return "connection peer:n\(c.peer) connection:\(c.connection.rawValue) role:\(c.peerRole.rawValue)"
        case .peerDevice(let p): return "peer-device peer:n\(p.peer) replication:\(p.replication.rawValue) peer-disk:\(p.peerDisk.rawValue) out-of-sync:\(p.outOfSyncBytes / 1024)K\(p.doneText.map { " done:\($0)" } ?? "")"
        case .log(let level, let text):
            logs.append(text)
            return "\(level.rawValue): \(text)"
        }
    }

    func describe(_ message: PeerMessage) -> String {
        switch message {
        case .write(let w) where verboseMessages && w.notReplicatedTo != 0:
            return "write seq=\(w.sequence) off=\(w.offsetBytes) len=\(w.lengthBytes)\(w.wantsAck ? "" : " no-ack") not-to=0x\(String(w.notReplicatedTo, radix: 16))"
        case .write(let w): return "write seq=\(w.sequence) off=\(w.offsetBytes) len=\(w.lengthBytes)\(w.wantsAck ? "" : " no-ack")"
        case .writeAck(let a): return "write-ack seq=\(a.sequence)\(a.success ? "" : " FAILED")"
        case .resyncRequest(let r): return "rs-request off=\(r.offsetBytes) len=\(r.lengthBytes)"
        case .resyncReply(let r): return "rs-reply off=\(r.offsetBytes) len=\(r.lengthBytes) \(r.status)"
        case .handshake(let h) where !verboseMessages:
            return "handshake current=\(h.generations.current) role=\(h.role.rawValue) disk=\(h.disk.rawValue)"
        case .handshake(let h):
            let bitmaps = h.generations.bitmap.map { "\($0.nodeID):\($0.generation)" }.joined(separator: ",")
            return "handshake current=\(h.generations.current) role=\(h.role.rawValue) disk=\(h.disk.rawValue) bitmaps=[\(bitmaps)] history=\(h.generations.history.prefix(3).map(\.description))"
        case .newGeneration(let g) where verboseMessages: return "new-generation \(g.previous) -> \(g.current) absent=\(g.absentNodes)"
        case .writerLost(let l) where verboseMessages:
            return "writer-lost writer=\(l.writer) last=\(l.lastSequence) from=\(l.streamStart) hot=\(l.hotExtents)"
        case .lostWriterTail(let t): return "lost-tail writer=n\(t.writer) seq=\(t.sequence) off=\(t.offsetBytes) len=\(t.lengthBytes) \(t.kind)"
        case .lostWriterTailAck(let a): return "lost-tail-ack writer=n\(a.writer) seq=\(a.sequence)\(a.applied ? "" : " refused")"
        case .outOfSync(let r) where verboseMessages:
            return "out-of-sync off=\(r.offsetBytes) len=\(r.lengthBytes) toward=\(r.node)"
        case .stateChange(let r) where verboseMessages: return "state \(r.role.rawValue) \(r.disk.rawValue) \(r.current)\(r.hasQuorum ? "" : " no-quorum")"
        default: return message.name
        }
    }

    // MARK: Storage

    /// Names the client write a data action carries: the workload's value for a write, the
    /// range for a trim or write-zeroes.
    static func landingKey(_ action: StorageAction) -> String? {
        switch action {
        case .write(_, _, let data, _):
            guard data.readableBytes >= 8, let first = data.getBytes(at: data.readerIndex, length: 8) else { return nil }
            var value: UInt64 = 0
            for j in 0 ..< 8 { value |= UInt64(first[j]) << (8 * UInt64(j)) }
            return "v\(value)"
        case .trim(_, let offset, let length, _), .writeZeroes(_, let offset, let length, _):
            return "t\(offset)+\(length)"
        default: return nil
        }
    }

    /// Completes the `index`th pending storage action of node `n` (applies it to the disk first).
    func completeStorage(_ n: Int, index: Int = 0, fail: Bool = false) {
        let action = nodes[n].pending.remove(at: index)
        var result: StorageResult = .done
        var failThis = fail
        switch action {
        case .write, .trim, .writeZeroes:
            if nodes[n].failWrites > 0 { nodes[n].failWrites -= 1; failThis = true }
        default: break
        }
        if failThis {
            result = .failed("injected I/O error")
        } else {
            if let key = Self.landingKey(action) { landed[key, default: []].insert(n) }
            switch action {
            case .read(_, let offset, let length):
                result = .data(Array(nodes[n].data[Int(offset) ..< Int(offset) + Int(length)]))
            case .write(_, let offset, let bytes, _):
                nodes[n].data.replaceSubrange(Int(offset) ..< Int(offset) + bytes.readableBytes, with: bytes.readableBytesView)
            case .trim(_, let offset, let length, _), .writeZeroes(_, let offset, let length, _):
                nodes[n].data.replaceSubrange(Int(offset) ..< Int(offset) + Int(length), with: repeatElement(0, count: Int(length)))
            case .flush: break
            case .writeMetadata(_, let update):
                nodes[n].metadata = nodes[n].metadata!.applying(update)
                if traceMetadata { trace.append("  n\(n): metadata durable: \(describe(update.header))") }
            }
        }
        step(n, .storage(StorageCompletion(id: action.id, result: result)))
    }

    // MARK: Network

    /// An orderly close by `from`: like TCP, what it sent before closing still arrives (unless
    /// that direction is partitioned), then the peer sees the connection end.
    func closeLink(from: UInt8, to: UInt8) {
        let k = key(from, to)
        guard links[k]?.up == true, !closing.contains(k) else { return }
        closing.insert(k)
        if !blocked.contains([from, to]) {
            while links[k]?.up == true, let queue = links[k]!.queues[to], !queue.isEmpty {
                let message = links[k]!.queues[to]!.removeFirst()
                if resyncLane { links[k]!.mainStamps[to]!.removeFirst() }
                step(Int(to), .message(message, from: NodeID(from)))
            }
        }
        closing.remove(k)
        breakLink(from, to)
    }

    func breakLink(_ a: UInt8, _ b: UInt8) {
        let k = key(a, b)
        guard links[k]?.up == true else { return }
        links[k] = Link()
        step(Int(a), .transportDown(NodeID(b)))
        step(Int(b), .transportDown(NodeID(a)))
    }

    /// Establish every wanted link whose both ends are alive and both directions open.
    @discardableResult
    func connectWanted() -> Bool {
        var progress = false
        for a in nodes.indices {
            for b in nodes.indices where a < b {
                let ua = UInt8(a), ub = UInt8(b)
                guard links[key(ua, ub)]?.up != true, nodes[a].instance != nil, nodes[b].instance != nil,
                      nodes[a].wants.contains(ub), nodes[b].wants.contains(ua),
                      !blocked.contains([ua, ub]), !blocked.contains([ub, ua]) else { continue }
                links[key(ua, ub)] = Link(up: true)
                trace.append("  link n\(a)-n\(b) up")
                step(a, .transportUp(NodeID(ub)))
                step(b, .transportUp(NodeID(ua)))
                progress = true
            }
        }
        return progress
    }

    /// Delivers the next message from `from` to `to` (on the resync stream with `resyncLane`);
    /// false when none or the direction is blocked.
    @discardableResult
    func deliver(from: UInt8, to: UInt8, resyncLane lane: Bool = false) -> Bool {
        let k = key(from, to)
        guard links[k]?.up == true, !blocked.contains([from, to]) else { return false }
        let message: PeerMessage
        if lane {
            guard let queue = links[k]!.resyncQueues[to], !queue.isEmpty else { return false }
            message = links[k]!.resyncQueues[to]!.removeFirst()
            let sent = links[k]!.resyncStamps[to]!.removeFirst()
            let overtook = (links[k]!.mainStamps[to]?.first ?? .max) < sent
            let fellBehind = (links[k]!.lastMainDelivered[to] ?? 0) > sent
            laneOrderProbe?(overtook ? 1 : 0, fellBehind ? 1 : 0)
        } else {
            guard let queue = links[k]!.queues[to], !queue.isEmpty else { return false }
            message = links[k]!.queues[to]!.removeFirst()
            if resyncLane { links[k]!.lastMainDelivered[to] = links[k]!.mainStamps[to]!.removeFirst() }
        }
        step(Int(to), .message(message, from: NodeID(from)))
        return true
    }

    func partition(_ a: UInt8, _ b: UInt8, oneWay: Bool = false) {
        blocked.insert([a, b])
        if !oneWay { blocked.insert([b, a]) }
        if !oneWay { breakLink(a, b) }
    }

    func heal() { blocked.removeAll() }

    // MARK: Nodes

    func crash(_ n: Int, applyPending: (StorageAction) -> Bool = { _ in false }) {
        guard nodes[n].instance != nil else { return }
        // A crash loses whatever was not complete; some writes may have reached the disk anyway.
        for action in nodes[n].pending where applyPending(action) {
            if let key = Self.landingKey(action) { landed[key, default: []].insert(n) }
            switch action {
            case .write(_, let offset, let bytes, _):
                nodes[n].data.replaceSubrange(Int(offset) ..< Int(offset) + bytes.readableBytes, with: bytes.readableBytesView)
            case .trim(_, let offset, let length, _), .writeZeroes(_, let offset, let length, _):
                nodes[n].data.replaceSubrange(Int(offset) ..< Int(offset) + Int(length), with: repeatElement(0, count: Int(length)))
            case .writeMetadata(_, let update):
                nodes[n].metadata = nodes[n].metadata!.applying(update)
                if traceMetadata { trace.append("  n\(n): metadata landed in the crash: \(describe(update.header))") }
            default: break
            }
        }
        nodes[n].pending = []
        nodes[n].instance = nil
        if watchBlock != nil { watch("n\(n) crashed") }
        nodes[n].wants = []
        trace.append("  n\(n) crashed")
        for m in nodes.indices where m != n {
            let k = key(UInt8(n), UInt8(m))
            if links[k]?.up == true {
                links[k] = Link()
                step(m, .transportDown(NodeID(UInt8(n))))
            }
        }
    }

    func restart(_ n: Int) {
        precondition(nodes[n].instance == nil)
        nodes[n].restarts += 1
        boot(n)
        admin(n, .connect(peer: nil, discardMyData: false))
    }

    @discardableResult
    func admin(_ n: Int, _ command: AdminCommand) -> AdminResult? {
        let before = adminResults.count
        let id = AdminRequestID(nextAdminID)
        nextAdminID += 1
        step(n, .admin(command, id: id))
        return adminResults.count > before ? adminResults.last : nil
    }

    @discardableResult
    func submit(_ n: Int, _ operation: ClientOperation, offset: UInt64 = 0, length: UInt32 = 0, fua: Bool = false) -> UInt64 {
        let id = nextClientID
        nextClientID += 1
        step(n, .client(ClientRequest(id: ClientRequestID(id), operation: operation, offsetBytes: offset, lengthBytes: length, fua: fua)))
        return id
    }

    /// Run everything to quiescence: connections, messages, storage. `ticks` adds time.
    /// - Parameter holdingStorage: nodes whose storage actions stay pending (a slow disk), for
    ///   scenarios that complete them later, one by one.
    /// - Parameter holdingLinks: directions (from, to) whose messages stay queued, in order, as
    ///   on a slow link: a scenario can let other nodes act before a message arrives.
    func stabilize(holdingStorage: Set<Int> = [], holdingLinks: [(from: Int, to: Int)] = []) {
        if livelock != nil { return }
        var rounds = 0
        while rounds < stabilizeRoundsMax {
            rounds += 1
            var progress = connectWanted()
            for n in nodes.indices where nodes[n].instance != nil && !holdingStorage.contains(n) {
                while !nodes[n].pending.isEmpty {
                    completeStorage(n)
                    progress = true
                }
            }
            for a in nodes.indices {
                for b in nodes.indices where a != b && !holdingLinks.contains(where: { $0.from == a && $0.to == b }) {
                    while deliver(from: UInt8(a), to: UInt8(b)) { progress = true }
                    while deliver(from: UInt8(a), to: UInt8(b), resyncLane: true) { progress = true }
                }
            }
            if !progress { return }
        }
        // A livelock: show how the messages keep going (SIM_TRACE) before stopping the run.
        if recordTrace { print(trace.suffix(300).joined(separator: "\n")) }
        let failure = "cluster did not stabilize in \(stabilizeRoundsMax) rounds: messages never stopped"
        if livelockEndsRun {
            livelock = failure
            return
        }
        preconditionFailure(failure)
    }

    /// `tandem adm adjust` on node `n`: its configuration changed in place.
    func reconfigure(_ n: Int, _ change: (inout ReplicaConfig) -> Void) throws {
        guard var instance = nodes[n].instance else { return }
        var config = nodes[n].config
        change(&config)
        let output = try instance.reconfigure(config)
        nodes[n].instance = instance
        nodes[n].config = config
        apply(n, output)
    }

    func tick(_ count: Int = 1) {
        for _ in 0 ..< count {
            for n in nodes.indices where nodes[n].instance != nil { step(n, .tick) }
        }
    }

    func status(_ n: Int) -> ReplicaStatus? { nodes[n].instance?.status }

    /// One compact line for the whole cluster (SIM_TIMELINE): per node its role, disk, quorum
    /// ("-q" without) and connected peers with the replication state when not Established.
    func timelineLine() -> String {
        var parts: [String] = []
        for n in nodes.indices {
            guard let instance = nodes[n].instance else {
                parts.append("n\(n)[down]")
                continue
            }
            let s = instance.status
            var connected: [String] = []
            for (c, p) in zip(s.connections, s.peerDevices) where c.connection == .connected {
                let replication: String = p.replication == .established ? "" : ":" + p.replication.rawValue
                connected.append("\(c.peer)" + replication)
            }
            let role = String(s.resource.role.rawValue.prefix(1))
            let disk = String(s.device.disk.rawValue.prefix(4))
            let quorum = s.device.quorum ? "" : " -q"
            parts.append("n\(n)[" + role + " " + disk + quorum + " c:" + connected.joined(separator: ",") + "]")
        }
        return parts.joined(separator: " ")
    }

    func statusLines() -> [String] {
        var lines: [String] = []
        for n in nodes.indices {
            guard let instance = nodes[n].instance else {
                lines.append("n\(n): down")
                continue
            }
            let s = instance.status
            lines.append("n\(n): role:\(s.resource.role.rawValue) disk:\(s.device.disk.rawValue)\(s.device.quorum ? "" : " quorum:no") gen:\(instance.generations.current)")
            for (c, p) in zip(s.connections, s.peerDevices) {
                if c.connection == .connected {
                    lines.append("  n\(c.peer) role:\(c.peerRole.rawValue) replication:\(p.replication.rawValue) peer-disk:\(p.peerDisk.rawValue) out-of-sync:\(p.outOfSyncBytes / 1024)K")
                } else {
                    lines.append("  n\(c.peer) connection:\(c.connection.rawValue) out-of-sync:\(p.outOfSyncBytes / 1024)K")
                }
            }
        }
        return lines
    }
}
