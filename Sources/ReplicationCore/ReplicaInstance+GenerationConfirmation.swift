/// Clearing `MetadataFlags.generationUnconfirmed` when the first write issued in the
/// generation is acknowledged.
extension ReplicaInstance {
    /// Called at the acknowledgement of a write issued in the current generation, which the
    /// peers in `answeredBy` answered (sent to them, and they did not drop before answering):
    /// clears the flag (it no longer holds), and says whether the acknowledgement may go now.
    ///
    /// The flag makes this node yield to a peer that branched off the previous generation in
    /// another child (`split-brain-self-unconfirmed-generation`); found stale after a crash, it
    /// would discard acknowledged writes. A diskful peer that answered the write took the
    /// generation's announcement before it on the same stream: UpToDate, it moved on to the
    /// generation; Inconsistent or Outdated, it recorded the previous one as superseded and
    /// votes against promoting a replica still at it (`noteSupersededGeneration`). Either way no
    /// majority that includes it branches off the previous generation, and every majority that
    /// could promote without this node includes such a peer when the write's quorum did. So a
    /// write a diskful peer answered goes at once, the flag reaching the disk with the next
    /// metadata write: waiting for a metadata write there delayed the first write of every
    /// generation, and the new timing reached older bugs (fixed seed 192: UpToDate replicas
    /// differing; measured again in session 14 with the wait for every write no UpToDate peer
    /// held: 730 lost, 684 differing, five seeds more acknowledging nothing).
    ///
    /// A write no diskful peer answered waits until a header without the flag is durable.
    /// This node is then the last man standing (its peers left gracefully, Outdated, and stopped
    /// voting) or writes beside diskless peers only, whose votes give it quorum. The absent
    /// diskful peers then regain quorum without it (the Outdated leavers when an operator forces
    /// one Primary with `primary --force`; a peer at the previous generation with the diskless
    /// tiebreaker alone), and this node, back from a crash with the stale flag, would yield and
    /// its acknowledged writes would be resynced away, where with the flag cleared both sides
    /// changed since the common generation and the connection stops at a split brain for the
    /// operator, as DRBD does (LastManStandingTests). The cost: one metadata write (header slot
    /// and `fdatasync`) before the first such acknowledgement of a generation; later writes of
    /// the generation find the clear durable and wait for nothing.
    mutating func generationConfirmedOnDisk(answeredBy: NodeSet) -> Bool {
        if flags.contains(.generationUnconfirmed) { clearGenerationUnconfirmed() }
        // Without a disk no header is written again and the wait would never end; the new
        // generation's barrier in `checkDone` lets such a write go alike (its copy reached the
        // disk before the disk failed).
        if !disk.hasDisk || metadataDurable(generationConfirmedVersion) { return true }
        if !answeredBy.isEmpty && peers.contains(where: { answeredBy.contains($0.id) && !$0.config.disklessClient }) { return true }
        if metadataVersion < generationConfirmedVersion { markMetadataDirty() }
        return false
    }

    /// Protocol A: a diskful peer confirmed write `sequence`, acknowledged on its send: the
    /// write is on the peer's disk. Issued in the current generation, it no longer may be lost
    /// with this node (the simulation's judge: a protocol A write that reached only a crashed
    /// writer's disk may be lost, DRBD's window for asynchronous replication; one that reached
    /// another disk may not). So the header without `generationUnconfirmed` goes to the disk
    /// now, not with whatever metadata write comes next: back from a crash with the stale flag,
    /// this node yielded its branch to an unconfirmed sibling when it met the sibling before any
    /// peer that took a write of its generation (`noteGenerationConfirmed(by:)` needs that peer
    /// first), and a majority with the sibling then wrote past the peer's acknowledged copy: a
    /// split brain under quorum (WriterStaleFlagTests). Not at the acknowledgement: a crash
    /// before the write reached any peer leaves nothing that must survive, so the flag rightly
    /// makes this node yield; cleared on the disk there, two writers that each lost such a write
    /// would stop at a split brain. Not a wait either: one header per generation, beside the
    /// writes.
    ///
    /// Protocol C has the same gap (its acknowledgement goes on the peer's answer without this
    /// node's clear, `generationConfirmedOnDisk`), and the same call at its answers closes it,
    /// but moved every protocol C run's timing: measured in session 25 (nbdpath bfcfa8d), the
    /// resync lane's fixed seed 1504 lost an acknowledged write by an older gap (a Primary's
    /// failed disk, which writes no failure record, came back UpToDate at the generation whose
    /// diskless successor its peer never received, and its crash marks overwrote that peer's
    /// newer copy) and fixed seeds 19 and 273 acknowledged no write. Known issue there.
    mutating func notePeerHoldsWrite(_ sequence: UInt64, peer p: Int) {
        guard mut("N2") || sequence >= unconfirmedGenerationFirstSequence, mut("N3") || disk.hasDisk, mut("N4") || !peers[p].config.disklessClient else { return }
        if flags.contains(.generationUnconfirmed) { clearGenerationUnconfirmed() }
        if !mut("N5"), metadataVersion < generationConfirmedVersion { markMetadataDirty() }
    }

    /// Drops the flag and notes the first header version written without it.
    mutating func clearGenerationUnconfirmed() {
        flags.remove(.generationUnconfirmed)
        // The next header written is the first without the flag: the dirty version if no
        // write of it has started yet, else the one after it (`flushMetadataIfNeeded`
        // writes the header as it stands under `metadataVersion`, bumped when clean).
        let dirtyAndUnwritten = metadataVersion > metadataPersistedVersion && metadataInFlight?.version != metadataVersion
        generationConfirmedVersion = dirtyAndUnwritten ? metadataVersion : metadataVersion + 1
    }

    /// A diskful Secondary peer at this node's current generation whose handshake does not carry
    /// `generationUnconfirmed`: a write issued in the generation reached it (`onReplicatedWrite`
    /// clears the flag there), or it was resynced to the generation, or the writer acknowledged
    /// a write of it. Writes of the generation may have been acknowledged, so this node's flag,
    /// which says its branch since the parent holds none, no longer holds. It is stale where this
    /// node is the writer and crashed after an acknowledgement but before a header without the
    /// flag was durable (a diskful peer's answer lets the write go at once, the flag reaching the
    /// disk with the next header; with protocol A the answer is the send). Kept, it makes this
    /// node yield its branch to an unconfirmed sibling while a peer at its generation holds the
    /// writes and, without the flag, makes the sibling yield to that peer: a cycle of yields
    /// (simulation seed 3775: n2, back at 6721 with the stale flag, yielded to n0's unconfirmed
    /// sibling ADBE by the higher node id; n0 yielded to n1, at 6721 without the flag; n1 was n2's
    /// resync target at 6721; every resync waited for a source that waited in turn, with no
    /// replica UpToDate). Clearing only takes yields away from this node (the unconfirmed-yield
    /// rules of `GenerationComparison.plan`), so nothing it holds is resynced away for it. A live
    /// Primary does not send the flag (`makeHandshake`), so its handshake says nothing here. The
    /// plan of this connection stands on the handshake this node sent; later ones go without it.
    mutating func noteGenerationConfirmed(by handshake: Handshake) {
        guard flags.contains(.generationUnconfirmed), disk.hasDisk, handshake.sizeBytes != 0, handshake.role != .primary,
              !handshake.flags.contains(.generationUnconfirmed),
              handshake.generations.current.sameHistory(as: generations.current) else { return }
        // In memory: the clear reaches the disk with the next header. A crash before it brings
        // the flag back, and the next handshake with such a peer clears it again. A header
        // written for it at once moved every run's timing from the first handshake on (832fd01:
        // fixed seed 21 and lane fixed seed 683 acknowledged no write, and two older bugs were
        // reached, UpToDate replicas differing in seeds 3155 and lane 202).
        clearGenerationUnconfirmed()
        log(.info, "node \(handshake.nodeID) is at generation \(generations.current) and a write of it may have been acknowledged: this node no longer yields it as unconfirmed")
    }
}

/// Staying in an unconfirmed generation when a peer that never held it is lost.
extension ReplicaInstance {
    /// Peer `j`, at another generation than this node's current, cannot hold the current: this
    /// node is resyncing it, or about to (`servesResync`: bitmaps exchanged, resync running or
    /// paused), or it said it is Inconsistent or Outdated. It takes this node's current only at
    /// the end of a resync: this node's own (its answer ends it, `onResyncFinished`, and the
    /// source leaves these states first), or a third replica's that holds the current, which
    /// `staysInUnconfirmedGeneration` rules out. A peer at the current with bits to resync
    /// (equal generations) holds it already: not this. Its state report may lag (an Inconsistent
    /// peer whose resync from a holder just ended): trusted as `peerStoppedReceiving` trusts it,
    /// which starts no generation on losing a peer last heard Inconsistent.
    func cannotHoldCurrent(_ j: Int) -> Bool {
        guard !peers[j].current.sameHistory(as: generations.current) else { return false }
        return servesResync(to: j) || peers[j].disk == .inconsistent || peers[j].disk == .outdated
    }

    /// A Primary whose current generation is unconfirmed (no write acknowledged in it) does not
    /// start another one on losing an UpToDate peer that never held the current
    /// (`lackedCurrent`), while no other connected replica may hold it either: it stays in the
    /// unconfirmed one. A new generation on losing a peer makes the replicas that go on newer
    /// than the peer (DRBD), so that no majority promotes it at the generation it shared with
    /// them; a peer that never held the current is already behind it (it is at an ancestor, and
    /// the bitmap toward it tracks since then), and so is every replica that could give it the
    /// current. Started all the same, the new generation cut the writer's branch in two: seed
    /// 1574 (ExpiredNoteSplitBrainTests), n1 Primary at G1 from G0 (n0 absent), n0 back at G0
    /// and lost again while n1 was to resync it, n1 started G2 from G1; n2, Inconsistent, had
    /// only G1's announcement, and its note of G0 expired when n1 crashed before any write of
    /// G1 or G2 arrived there (`expireSupersededAwaitingWrite`); n2 voted n0 in at G0, n0 wrote
    /// G3. At the reunion n1's flag spoke of G2 alone, whose parent G1 n0 never knew
    /// (`unconfirmedGenerationIsWholeBranch`), and nobody yielded though nothing of n1's was
    /// acknowledged: a split brain. Staying at G1, whose parent G0 n0 knows, n1 yields.
    ///
    /// Why no other replica receiving this node's writes may hold the current: one that does
    /// could resync the lost peer to it behind this node's back (a third node's resync, unseen
    /// here), and the peer, promoted at the current by a voter there, would lack what this node
    /// writes next. A replica that held the current and stopped receiving already left
    /// `needsNewGeneration` set, which this never clears.
    /// Only while unconfirmed: once a write of the current is acknowledged the flag no longer
    /// makes this node yield, and a new generation cuts nothing that could. Only with a disk: the
    /// rule keeps a branch whole so that its holder yields it at the heal, and a diskless Primary
    /// holds no branch (the replicas that took its writes do). Without a disk this is reached
    /// only from `diskFailed`, dropping the connections it served a resync on; staying there
    /// would skip the diskless announcement and the probe that hold the acknowledgement of a
    /// write the dropped peer missed (`announceGenerationFromDiskless`). No test reaches that:
    /// review's mutation of session 24 (condition off) failed nothing.
    func staysInUnconfirmedGeneration(losing peer: NodeID, lackedCurrent: Bool) -> Bool {
        guard lackedCurrent, disk.hasDisk, flags.contains(.generationUnconfirmed) else { return false }
        return peers.indices.allSatisfy { j in
            peers[j].id == peer || !peers[j].receivesWrites || cannotHoldCurrent(j)
        }
    }
}
