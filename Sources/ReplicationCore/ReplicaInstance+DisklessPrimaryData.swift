extension ReplicaInstance {
    /// Why a diskless Primary and a diskful peer do not connect: the peer's data is not at the
    /// generation the Primary exposes (DRBD's receive_uuids refuses such a connection on the
    /// Primary: "Can only connect to data with current UUID"). A diskless Primary and a diskful
    /// peer compare no generations (`negotiate` plans nothing between them), so once connected
    /// the Primary would read the peer's older or diverged data as its own and write into it
    /// unresynced: scenario diskless_primary_connects_to_current_data (a read of an acknowledged
    /// write returned the data before it; the peer then met the replica holding that write as a
    /// split brain), seed 781 (the Primary at F965 wrote into n1 at ED21, another child of
    /// F965's parent). The peer connects once a diskful replica at that generation has resynced
    /// it. An Inconsistent peer is left to connect: it claims no generation's data and is read
    /// from by nobody. Decided from the two handshakes alone, so both ends refuse alike (each
    /// then retries later, as after `secondPrimaryRefusal`).
    func disklessPrimaryDataRefusal(mine: Handshake, peer: Handshake, peer i: Int) -> String? {
        let primary: Handshake, other: Handshake
        if mine.role == .primary { (primary, other) = (mine, peer) }
        else if peer.role == .primary { (primary, other) = (peer, mine) }
        else { return nil }
        let exposed = primary.generations.current
        // A Primary that has never seen data (its current still just-created or none) exposes no
        // generation to protect: it takes whatever its first UpToDate peer has.
        guard primary.sizeBytes == 0, other.sizeBytes != 0, !other.flags.contains(.inconsistent),
              !exposed.isNone, !exposed.sameHistory(as: .justCreated),
              !other.generations.current.sameHistory(as: exposed) else { return nil }
        let peerName = "node \(peers[i].id) (\(peers[i].config.name))"
        let primaryName = primary.nodeID == peer.nodeID ? peerName : "this node (\(config.nodeName))"
        let otherName = other.nodeID == peer.nodeID ? peerName : "this node (\(config.nodeName))"
        return "\(primaryName) is a diskless Primary for \(config.resourceName) exposing generation \(exposed) and \(otherName) holds generation \(other.generations.current); they connect once \(otherName) is resynced from a diskful replica at \(exposed)"
    }
}
