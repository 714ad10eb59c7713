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
    mutating func recomputeQuorum() {
        let diskfulPeers = peers.filter { !$0.config.disklessClient }
        let reachable = diskfulPeers.filter { $0.isConnected && $0.disk.hasDisk }
        let absent = diskfulPeers.filter { !($0.isConnected && $0.disk.hasDisk) }
        let clients = peers.filter { $0.config.disklessClient }
        let input = QuorumInput(
            policy: config.quorum, selfDiskful: disk.hasDisk && !config.disklessClient,
            reachableDiskfulPeers: reachable.count,
            absentUnknownPeers: absent.filter { !$0.leftOutdated }.count,
            absentOutdatedPeers: absent.filter(\.leftOutdated).count,
            reachableDisklessClients: clients.filter(\.isConnected).count,
            disklessClients: clients.count, hadQuorum: hasQuorum)
        let now = input.hasQuorum
        guard now != hasQuorum else { return }
        hasQuorum = now
        if !now {
            log(.warning, "\(config.resourceName) on \(config.nodeName) lost quorum (\(reachable.count + (input.selfDiskful ? 1 : 0)) of its diskful replicas reachable)\(role == .primary ? "; I/O is \(config.onNoQuorum == .suspendIO ? "suspended until quorum returns" : "failed with EIO")" : "")")
            for id in requestOrder where requests[id]?.lostCopy == true { requests[id]!.lostCopyWithoutQuorum = true }
            if role == .primary {
                flags.insert(.primaryLostQuorum)
                markMetadataDirty()
                if config.onNoQuorum == .ioError { failHeldWrites() }
            }
        } else {
            log(.info, "\(config.resourceName) on \(config.nodeName) has quorum again")
            if flags.contains(.primaryLostQuorum)
                && !peers.contains(where: { [.wfBitMapT, .syncTarget, .pausedSyncT].contains($0.replication) }) {
                // Back in a partition with quorum and not yielding to it (a handshake that made it
                // yield planned a resync as target first, and the flag stays until that ends):
                // what it writes from now on is acknowledged and must never yield later. Persisted
                // with the next metadata write; a stale flag after a crash is cleared the same way.
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
