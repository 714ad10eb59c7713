extension ReplicaInstance {
    /// A diskless Primary and a diskful peer whose data is not at the generation the Primary
    /// exposes: the peer joins Outdated (DRBD 9.1.8 and later accept such a connection and
    /// downgrade the joining disk below UpToDate; DRBD 9.1.7 and 8.4 refused it, "Can only connect
    /// to data with current UUID", which left the peer out until another diskful replica resynced
    /// it). A diskless node and a diskful one compare no generations (`negotiate` plans nothing
    /// between them), so taken UpToDate the peer's older or diverged data was read by the Primary
    /// as its own and counted as a replica of its writes: scenario
    /// diskless_primary_joins_outdated (a read of an acknowledged write returned the data before
    /// it; the peer then met the replica holding that write as a split brain), seed 781 (the
    /// Primary at F965 wrote into n1 at ED21, another child of F965's parent). Outdated, the peer
    /// serves no read, makes no write acknowledged on its own, votes for no promotion, and is
    /// resynced by the first diskful replica at the Primary's generation it meets. An Inconsistent
    /// or Outdated peer claims nothing already. Decided from the two handshakes alone, so both
    /// ends agree: the peer on its disk, the Primary on its record of the peer.
    func joinsOutdatedBesideDisklessPrimary(mine: Handshake, peer: Handshake) -> Bool {
        let primary: Handshake, other: Handshake
        if mine.role == .primary { (primary, other) = (mine, peer) }
        else if peer.role == .primary { (primary, other) = (peer, mine) }
        else { return false }
        return primary.sizeBytes == 0 && other.sizeBytes != 0
            && (other.disk == .upToDate || other.disk == .consistent)
            && Self.disklessPrimary(exposing: primary.generations.current, isAhead: other.generations.current)
    }

    /// Whether a diskless Primary exposing generation `exposed` holds writes that data at `held`
    /// lacks: `held` is another generation. A Primary that has never seen data (its current still
    /// just-created or none) exposes no generation to protect. The one judgement of the handshake
    /// rule and of a resync's end (`disklessPrimaryExposingAnotherGeneration`).
    static func disklessPrimary(exposing exposed: Generation, isAhead held: Generation) -> Bool {
        !exposed.isNone && !exposed.sameHistory(as: .justCreated) && !held.sameHistory(as: exposed)
    }

    /// Applies `joinsOutdatedBesideDisklessPrimary` at the handshake: this node, diskful, becomes
    /// Outdated; this node, the Primary, records the peer Outdated whatever its handshake said.
    mutating func joinBesideDisklessPrimary(_ i: Int, mine: Handshake, peer: inout Handshake) {
        guard joinsOutdatedBesideDisklessPrimary(mine: mine, peer: peer) else { return }
        let name = "node \(peers[i].id) (\(peers[i].config.name))"
        if peer.role == .primary {
            outdate(.warning, "\(name) is a diskless Primary for \(config.resourceName) exposing generation \(peer.generations.current) and this node holds \(generations.current): Outdated until a diskful replica at \(peer.generations.current) resyncs it", because: .peerHasNewerData)
        } else {
            peer.disk = .outdated
            peers[i].joinedOutdatedAt = peer.generations.current
            log(.info, "\(name) holds generation \(peer.generations.current), not \(mine.generations.current) that this diskless Primary exposes: it joins Outdated (no reads from it, no write acknowledged with it alone)")
        }
    }

    /// The disk peer `i`'s state report is recorded with: a report from a peer this diskless
    /// Primary took Outdated at the handshake, still UpToDate at the generation it held then, was
    /// sent before the peer received this node's handshake (its own report of the Outdate follows);
    /// taken as it says, this node would read from it meanwhile.
    mutating func diskRecorded(for report: PeerStateReport, peer i: Int) -> DiskState {
        guard let held = peers[i].joinedOutdatedAt else { return report.disk }
        if (report.disk == .upToDate || report.disk == .consistent) && report.current.sameHistory(as: held) {
            return .outdated
        }
        peers[i].joinedOutdatedAt = nil
        return report.disk
    }

    /// The connected diskless Primary, if any, whose exposed generation (its handshake's current,
    /// then its announcements) is not `generation`. `joinBesideDisklessPrimary` judges only at
    /// the handshake; a peer Inconsistent there (it claims nothing, so it joins as it is) that
    /// then finishes a resync from a third replica at a third generation took data the Primary
    /// never wrote into: scenario diskless_primary_third_generation_resync (n1 resynced to
    /// n0's older child FD38 beside n3 exposing DA75; n3 read its own acknowledged write's block
    /// from n1 and got the data before it, then acknowledged a write on n1 alone, and the heal
    /// met a split brain with one writer ever). Such a resync ends Outdated, judged by
    /// generation like the handshake rule, and the Primary records the report as sent.
    func disklessPrimaryExposingAnotherGeneration(than generation: Generation) -> Int? {
        peers.indices.first { j in
            peers[j].isConnected && peers[j].role == .primary && !peers[j].disk.hasDisk
                && Self.disklessPrimary(exposing: peers[j].current, isAhead: generation)
        }
    }
}
