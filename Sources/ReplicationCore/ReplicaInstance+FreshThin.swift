extension ReplicaInstance {
    /// Skips the initial full sync when every replica is a freshly created thin volume (DRBD
    /// `new-current-uuid --clear-bitmap` on a new resource, as LINSTOR runs it for thin pools).
    ///
    /// Such volumes all read as zeros, so they already hold identical data; only the generation
    /// must become identical. The diskful node with the lowest node id decides, and only while
    /// it is connected to every diskful peer and each of them reported (handshake) a never
    /// synchronised, never written, fresh thin disk: it starts a new current generation, is
    /// UpToDate, and announces the generation with `previous = justCreated`; each peer adopts it
    /// and is UpToDate too (`onNewGeneration`). A replica that misses the announcement (link
    /// dropped) is still "just created" and gets an ordinary full sync later, so the shortcut is
    /// never taken for a replica that was not fresh.
    mutating func skipInitialSyncIfAllFresh() {
        guard flags.contains(.freshThin), disk == .inconsistent, role != .primary,
              generations.current.sameHistory(as: .justCreated) else { return }
        let diskful = peers.indices.filter { peers[$0].bitmap != nil }
        guard !diskful.isEmpty, diskful.allSatisfy({ peers[$0].id > config.nodeID }) else { return }
        for i in diskful {
            guard peers[i].isConnected, let handshake = peers[i].handshake,
                  handshake.flags.contains(.freshThin), peers[i].disk == .inconsistent,
                  peers[i].current.sameHistory(as: .justCreated),
                  peers[i].plannedSync == .bothJustCreated else { return }
        }
        _ = startNewGeneration()  // announces current + previous (justCreated) to every peer
        flags.remove(.freshThin)
        disk = .upToDate
        for i in diskful { peers[i].plannedSync = .noSync }
        log(.info, "initial sync skipped: every replica of \(config.resourceName) is a fresh thin volume (reads as zeros); UpToDate at generation \(generations.current)")
        broadcastState()
        emitDevice()
    }

    /// A peer announced the generation that ends the skipped initial sync: this node adopted it.
    /// Links to other fresh peers that negotiated "both just created" are renegotiated unless
    /// that peer already has the same generation, so a replica that missed the announcement
    /// gets a full sync instead of staying Inconsistent next to an UpToDate peer.
    mutating func adoptedSkippedInitialSync(from announcer: NodeID) {
        flags.remove(.freshThin)
        for j in peers.indices where peers[j].plannedSync == .bothJustCreated {
            if peers[j].id == announcer || peers[j].current.sameHistory(as: generations.current) {
                peers[j].plannedSync = .noSync
            } else if peers[j].isConnected {
                dropConnection(j, standAlone: false, renegotiate: true)
            }
        }
    }
}
