import DequeModule

/// DRBD's quorum arithmetic (`calc_quorum`), pure so it can be tested on its own.
///
/// Voters are the diskful nodes. A node that left gracefully (Outdated, `goodbye`) stops voting
/// while absent, but only when no absent node is of unknown state (last man standing). Diskless
/// clients break ties: with an even number of voters and exactly half of them reachable, the
/// partition keeps quorum if it already had it and reaches a majority of the diskless clients.
public struct QuorumInput: Sendable, Equatable {
    public var policy: QuorumPolicy
    /// This node has a disk (votes for itself).
    public var selfDiskful: Bool
    public var reachableDiskfulPeers: Int
    public var absentUnknownPeers: Int
    public var absentOutdatedPeers: Int
    public var reachableDisklessClients: Int
    public var disklessClients: Int
    /// This node had quorum before this change (tiebreakers only keep quorum, never restore it).
    public var hadQuorum: Bool

    public init(policy: QuorumPolicy, selfDiskful: Bool, reachableDiskfulPeers: Int, absentUnknownPeers: Int,
                absentOutdatedPeers: Int, reachableDisklessClients: Int, disklessClients: Int, hadQuorum: Bool) {
        self.policy = policy
        self.selfDiskful = selfDiskful
        self.reachableDiskfulPeers = reachableDiskfulPeers
        self.absentUnknownPeers = absentUnknownPeers
        self.absentOutdatedPeers = absentOutdatedPeers
        self.reachableDisklessClients = reachableDisklessClients
        self.disklessClients = disklessClients
        self.hadQuorum = hadQuorum
    }

    public var hasQuorum: Bool {
        if policy == .off { return true }
        let present = (selfDiskful ? 1 : 0) + reachableDiskfulPeers
        var voters = present + absentUnknownPeers + absentOutdatedPeers
        if absentUnknownPeers == 0 { voters -= absentOutdatedPeers }
        if voters == 0 { return false }
        switch policy {
        case .off: return true
        case .all: return present == voters
        case .majority:
            if present >= voters / 2 + 1 { return true }
            if voters % 2 == 0 && present == voters / 2 && hadQuorum && disklessClients > 0
                && reachableDisklessClients >= disklessClients / 2 + 1 {
                return true
            }
            return false
        }
    }
}

extension ReplicaInstance {
    /// The quorum arithmetic's input for this node, with `counts` saying which peers are present:
    /// connected ones for the node's quorum, those that voted yes for a promotion
    /// (`promotionVoteShortfall`). A diskful peer counts only with a disk.
    func quorumInput(counting counts: (PeerState) -> Bool) -> QuorumInput {
        let diskfulPeers = peers.filter { !$0.config.disklessClient }
        let reachable = diskfulPeers.filter { counts($0) && $0.disk.hasDisk }
        let absent = diskfulPeers.filter { !(counts($0) && $0.disk.hasDisk) }
        let clients = peers.filter { $0.config.disklessClient }
        return QuorumInput(
            policy: config.quorum, selfDiskful: disk.hasDisk && !config.disklessClient,
            reachableDiskfulPeers: reachable.count,
            absentUnknownPeers: absent.filter { !$0.leftOutdated }.count,
            absentOutdatedPeers: absent.filter(\.leftOutdated).count,
            reachableDisklessClients: clients.filter(counts).count,
            disklessClients: clients.count, hadQuorum: hasQuorum)
    }

    /// - Parameter outdateOnLoss: a Secondary that loses quorum goes Outdated; not at start or
    ///   attach, where "no quorum" only means no peer is connected yet.
    mutating func recomputeQuorum(outdateOnLoss: Bool = true) {
        let input = quorumInput(counting: \.isConnected)
        let now = input.hasQuorum
        guard now != hasQuorum else { return }
        hasQuorum = now
        if !now {
            log(.warning, "\(config.resourceName) on \(config.nodeName) lost quorum (\(input.reachableDiskfulPeers + (input.selfDiskful ? 1 : 0)) of its diskful replicas reachable)\(role == .primary ? "; I/O is \(config.onNoQuorum == .suspendIO ? "suspended until quorum returns" : "failed with EIO")" : "")")
            for id in requestOrder where requests[id]?.lostCopy == true { requests[id]!.lostCopyWithoutQuorum = true }
            if role == .primary {
                flags.insert(.primaryLostQuorum)
                markMetadataDirty()
                if config.onNoQuorum == .ioError { failHeldWrites() }
            } else if outdateOnLoss && !quorumOutdateSuppressed {
                outdateWithoutQuorum()
            }
        } else {
            log(.info, "\(config.resourceName) on \(config.nodeName) has quorum again")
            if flags.contains(.primaryLostQuorum) && role == .primary
                && !peers.contains(where: { [.wfBitMapT, .syncTarget, .pausedSyncT].contains($0.replication) }) {
                // Back in a partition with quorum as Primary and not yielding to it (a handshake
                // that made it yield planned a resync as target first, and the flag stays until
                // that ends): what it writes from now on is acknowledged and must never yield
                // later. Persisted with the next metadata write. A Secondary (demoted, or restarted
                // after a crash) keeps the flag until a resync into it ends (or a promotion, or it
                // takes a writer's new generation, `onNewGeneration`): it
                // writes nothing that quorum could make acknowledged, and what it wrote without
                // quorum still was not. Cleared when it regained quorum as the source
                // of peers further behind, the flag was gone by the time it met the side it had
                // yielded to, and both sides' unacknowledged changes met as a split brain (seed
                // 1601: n3 yielded to n0, its resync paused, then gained quorum with n1 and n2).
                flags.remove(.primaryLostQuorum)
            }
            for id in requestOrder { checkDone(id) }
        }
        broadcastState()
        emitDevice()
        emitResource()
    }

    /// io-error: writes still waiting to start fail now.
    mutating func failHeldWrites() {
        for id in requestOrder where requests[id]?.phase == .started { checkDone(id) }
        for id in requestOrder where requests[id]?.phase == .queued {
            complete(id, .failed(ClientError(.io, "\(config.resourceName) on \(config.nodeName) lost quorum (on-no-quorum io-error)")))
        }
    }
}

extension ReplicaInstance {
    /// DRBD: a Secondary that loses quorum marks its data Outdated — the partition that kept
    /// quorum may promote and write without it, so it must not be promoted (or serve as a resync
    /// source) as if it were current. Durable: a restart while cut off brings it back Outdated.
    /// Not while connected to a Primary (DRBD refuses "connected outdates": the Primary's writes
    /// still reach it, and that Primary cannot write without quorum either).
    mutating func outdateWithoutQuorum(because reason: String = "lost quorum as a Secondary") {
        guard role == .secondary, disk == .upToDate || disk == .consistent, config.quorum != .off,
              !peers.contains(where: { $0.isConnected && $0.role == .primary }) else { return }
        disk = .outdated
        flags.insert(.outdatedWithoutQuorum)
        markMetadataDirty()
        log(.warning, "\(config.resourceName) on \(config.nodeName) \(reason): Outdated (the partition with quorum may write without it); it cannot be promoted until it is back with quorum")
    }

    /// A resync source must hold UpToDate data for every read it serves. One that went Outdated
    /// meanwhile (lost quorum, met a newer peer), or Inconsistent with no resync of its own
    /// planned, answers each request "failed" and its target would ask again forever:
    /// renegotiate those connections, which then wait (paused) until this node is UpToDate
    /// again. (A source that is itself a SyncTarget is UpToDate later; its targets wait.)
    mutating func pauseResyncSourcesWithoutData() {
        guard disk != .upToDate, disk.hasDisk,
              disk == .outdated || !peers.contains(where: { [.syncTarget, .pausedSyncT, .wfBitMapT].contains($0.replication) })
        else { return }
        // An exchange planned with this node not UpToDate is left to finish: it pauses on bits.
        for j in peers.indices where peers[j].replication == .syncSource
            || (peers[j].replication == .wfBitMapS && !peers[j].sourceNotUpToDateAtPlan) {
            log(.info, "\(config.resourceName) on \(config.nodeName) is \(disk.rawValue): the resync to node \(peers[j].id) (\(peers[j].config.name)) waits until it is UpToDate again")
            dropConnection(j, standAlone: false, renegotiate: true)
        }
    }

    /// A connected Primary at another generation is writing data this node lacks (a diskless
    /// Primary has no disk to vouch with, but its generation says as much): no way back to
    /// UpToDate holds while it does.
    var connectedPrimaryWritesAnotherGeneration: Bool {
        peers.contains { $0.isConnected && $0.role == .primary && !$0.current.sameHistory(as: generations.current) }
    }

    /// The way back for `outdateWithoutQuorum`: in a partition with quorum again, where every
    /// connected diskful peer has finished its handshake, holds no newer data (each is at this
    /// generation, or waits to be resynced from this node) and knows of none, this node is
    /// current. Writes acknowledged meanwhile were acknowledged by a majority, and a majority
    /// always shares a node with this partition: that node knows of the newer generation. It
    /// need not hold it — a replica that is Inconsistent (a resync target) or Outdated receives
    /// a writer's data without moving to its generation — so only peers that are UpToDate, or
    /// Outdated by a quorum loss alone (they met no newer data since), may vouch; any other
    /// connected peer keeps this node Outdated until a resync. When every diskful replica is
    /// connected, no peer needs to vouch: whichever replica holds newer data is then in this
    /// partition, and its handshake made it the source (asking more left whole healed clusters
    /// Outdated for good). A node Outdated because it met newer data (not by a quorum loss)
    /// returns only in that last case. Connections that waited for this node to become a usable
    /// source renegotiate.
    mutating func returnFromQuorumOutdate() {
        // An Outdated node that met newer data (not a quorum loss) returns only when every
        // diskful replica is connected: then each yields to it or is at its generation, and
        // nobody holds newer data. Without it a healed cluster whose only consistent replicas
        // are Outdated stays Outdated and Inconsistent for good, every resync paused waiting for
        // an UpToDate source (seed 730: n1 and n2 Outdated at the newest generation, n0
        // Inconsistent, every link paused waiting for n1 as the source; session 8's "way back").
        // DRBD leaves this state to the operator.
        // A failed disk that yielded at its generation (`MetadataFlags.diskFailed`) is one of them
        // (failed_disk_reattaches_outdated.txt).
        let outdatedByNewerData = disk == .outdated && !flags.contains(.outdatedWithoutQuorum)
        guard flags.contains(.outdatedWithoutQuorum) || disk == .outdated else { return }
        guard disk == .outdated else {
            flags.remove(.outdatedWithoutQuorum)  // resynced or attached anew: the reason is gone
            return
        }
        guard config.quorum != .off, hasQuorum, role == .secondary else { return }
        guard !connectedPrimaryWritesAnotherGeneration else { return }
        let diskful = peers.indices.filter { peers[$0].isConnected && peers[$0].bitmap != nil && peers[$0].disk.hasDisk }
        let everyReplicaConnected = diskful.count == peers.filter({ !$0.config.disklessClient }).count
        guard !diskful.isEmpty, diskful.allSatisfy({ j in
            guard peers[j].resync == nil else { return false }
            let notNewer = peers[j].replication == .pausedSyncS
                || (peers[j].replication == .established && peers[j].current.sameHistory(as: generations.current))
            if everyReplicaConnected { return notNewer }
            if outdatedByNewerData { return false }
            // A disk that failed and came back from its last record forgot what it learnt while
            // detached (a writer's newer generation, acknowledged with it as a voter): it does
            // not vouch (failed_disk_reattaches_outdated.txt).
            let diskFailed = peers[j].handshake?.flags.contains(.diskFailed) ?? false
            let knowsNothingNewer = (peers[j].disk == .upToDate && !diskFailed)
                || (peers[j].disk == .outdated && peers[j].outdatedByQuorumLoss)
            return notNewer && knowsNothingNewer
        }) else { return }
        disk = .upToDate
        flags.remove([.outdatedWithoutQuorum, .diskFailed])
        markMetadataDirty()
        log(.info, "\(config.resourceName) on \(config.nodeName) has quorum again and no peer holds newer data: UpToDate at generation \(generations.current)")
        broadcastState()
        emitDevice()
        emitResource()
        for j in diskful where peers[j].replication == .pausedSyncS { dropConnection(j, standAlone: false, renegotiate: true) }
    }

    /// DRBD on-suspended-primary-outdated force-secondary: a Primary without quorum meets a
    /// Primary with quorum; it yields, and every request it held fails (none was acknowledged).
    mutating func forceSecondary(because reason: String) {
        log(.warning, "\(config.resourceName) on \(config.nodeName) becomes Secondary: \(reason); its held requests fail with EIO")
        for id in requestOrder where requests[id] != nil {
            complete(id, .failed(ClientError(.io, "\(config.resourceName) on \(config.nodeName) lost quorum and was demoted: \(reason)")))
        }
        demote()
    }
}
