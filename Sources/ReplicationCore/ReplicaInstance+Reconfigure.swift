extension ReplicaInstance {
    /// Applies a changed configuration to the running replica (`tandem adm adjust`, DRBD's
    /// `drbdadm adjust`): peers added or removed, a peer's protocol, quorum, on-no-quorum,
    /// auto-promote, keep-alive and resync settings. The volume stays attached and in its role;
    /// client requests in flight continue. A removed peer is said goodbye to and disconnected,
    /// its bitmap slot leaves the metadata; an added peer gets an empty slot (it is "just
    /// created" or has no bitmap generation, so the generations decide a full sync on connect)
    /// and is connected. What cannot change in place (identity, size, block sizes, diskless-ness,
    /// al-extents, a peer turning diskless or diskful) is refused with the reason; the shell
    /// then restarts the volume instead.
    public mutating func reconfigure(_ new: ReplicaConfig) throws(ReplicaConfigError) -> ReplicaOutput {
        precondition(started, "reconfigure() before start()")
        try new.validate()
        func fixed(_ what: String) -> ReplicaConfigError {
            ReplicaConfigError(config.resourceName, "\(what) cannot change while the volume is up")
        }
        if new.resourceName != config.resourceName || new.volume != config.volume { throw fixed("the resource name or volume number") }
        if new.nodeID != config.nodeID { throw fixed("this node's id") }
        if new.sizeBytes != config.sizeBytes { throw fixed("the volume size") }
        if new.bitmapBlockBytes != config.bitmapBlockBytes || new.activityLogExtentBytes != config.activityLogExtentBytes {
            throw fixed("the bitmap block or activity-log extent size")
        }
        if new.disklessClient != config.disklessClient { throw fixed("whether this node has a disk") }
        if new.activityLogExtentsMax != config.activityLogExtentsMax { throw fixed("al-extents") }
        for peer in new.peers {
            if let old = config.peer(peer.nodeID), old.disklessClient != peer.disklessClient {
                throw fixed("whether peer '\(peer.name)' (node \(peer.nodeID)) has a disk")
            }
        }

        // Removed peers: goodbye, disconnect, forget (writes waiting for them complete without them).
        for i in peers.indices.reversed() where new.peer(peers[i].id) == nil {
            let id = peers[i].id
            if peers[i].transportUp && peers[i].handshakeSent {
                send(.goodbye(Goodbye(outdated: goodbyeSaysOutdated)), to: id)
            }
            if peers[i].transportUp || peers[i].handshake != nil { resetConnection(i) }
            if peers[i].connection != .standAlone { output.transport.append(.disconnect(id)) }
            log(.info, "node \(id) (\(peers[i].config.name)) is no longer a peer of \(config.resourceName)")
            peers.remove(at: i)
            generations.bitmap.removeAll { $0.nodeID == id }
            lastWriterSequence[id] = nil
            lostWriterInDoubtExtents[id] = nil
            lostWriterStreamStart[id] = nil
            deferredWriterLosts[id] = nil
            writerLostsDecided[id] = nil
            writerLostsSent[id] = nil
            forgetWriterLostExchange(with: id)
        }
        // Changed peers keep their connection and bitmap, except that a connection whose
        // replication protocol changed starts again: both ends' rules must use the same protocol,
        // and the handshakes compare them (`Handshake.replicationProtocol`). Until the peer has
        // the new protocol too, the connection waits with the reason shown on it.
        var protocolChanged: [NodeID] = []
        for i in peers.indices {
            let changed = new.peer(peers[i].id)!
            if changed.replicationProtocol != peers[i].config.replicationProtocol && peers[i].transportUp {
                protocolChanged.append(peers[i].id)
            }
            peers[i].config = changed
        }
        // Added peers: an empty bitmap slot, connecting.
        var added: [NodeID] = []
        for peerConfig in new.peers where peerIndex(peerConfig.nodeID) == nil {
            var state = PeerState(config: peerConfig)
            if disk.hasDisk && !peerConfig.disklessClient {
                state.bitmap = OutOfSyncBitmap(blockCount: config.blockCount, blockBytes: UInt64(config.bitmapBlockBytes))
                generations.bitmap.append(PeerGeneration(nodeID: peerConfig.nodeID, generation: .none))
            }
            state.connection = .connecting
            peers.append(state)
            added.append(peerConfig.nodeID)
            log(.info, "node \(peerConfig.nodeID) (\(peerConfig.name)) is a new peer of \(config.resourceName)")
        }
        peers.sort { $0.id < $1.id }
        generations.bitmap.sort { $0.nodeID < $1.nodeID }
        config = new
        for id in protocolChanged {
            let i = peerIndex(id)!
            log(.info, "the replication protocol toward node \(id) (\(peers[i].config.name)) is now \(peers[i].config.replicationProtocol.rawValue); connecting again")
            dropConnection(i, standAlone: false)
        }
        for id in added {
            output.transport.append(.connect(id))
            emitConnection(peerIndex(id)!)
            emitPeerDevice(peerIndex(id)!)
        }
        if disk.hasDisk { markMetadataDirty() }  // bitmap slots changed
        recomputeQuorum()
        afterStep()
        return takeOutput()
    }
}
