/// A writer's new generation goes to its peers only once its own header holding it is durable
/// (DRBD's `drbd_uuid_new_current` syncs the metadata before it sends the new current UUID).
///
/// Announced earlier, a crash before that header landed brought the writer back at the parent,
/// having forgotten a generation its peers had taken: an Inconsistent or Outdated replica that
/// took it (named absent, or a resync target) then stood at a child of the writer's current
/// that no consistent replica held. The writer, newer by nothing, was that replica's full-sync
/// target by history (`my-current-in-peer-history`), Outdated "until the resync from it", and
/// the resync waited for a source that never became UpToDate (resync-lane seed 127: four
/// replicas paused behind one another for good). From the replica's side the same forgetting
/// made two children of one parent (seed 3112, `generationUnconfirmed` on adoption). Nothing is
/// lost by the wait: the writes issued in the new generation wait for that header already
/// (`startNewGeneration`'s barrier), and they go out after the announcement on the same stream.
extension ReplicaInstance {
    /// Holds `announcement` for each peer `startNewGeneration` would have sent it to, until
    /// metadata `version` (the header holding the generation) is durable.
    mutating func holdAnnouncement(_ announcement: GenerationAnnouncement, untilDurable version: UInt64) {
        for index in peers.indices where peers[index].handshakeSent && peers[index].transportUp {
            heldAnnouncements.append(HeldAnnouncement(peer: peers[index].id, announcement: announcement, version: version))
        }
    }

    /// Sends the held announcements whose header is durable, in the order they were made (a
    /// chain of generations reaches each peer parent first). Runs before any write is issued,
    /// so that the first write of a generation follows its announcement on the stream. A disk
    /// lost meanwhile recorded nothing: those are dropped (the peers never hear of the
    /// generation, and a diskless Primary chains from theirs, `announceGenerationFromDiskless`).
    mutating func sendDurableAnnouncements() {
        guard !heldAnnouncements.isEmpty else { return }
        let held = heldAnnouncements
        heldAnnouncements = disk.hasDisk ? held.filter { !metadataDurable($0.version) } : []
        for entry in held where disk.hasDisk && metadataDurable(entry.version) {
            guard let i = peerIndex(entry.peer) else { continue }
            send(.newGeneration(entry.announcement), to: entry.peer)
            // Should its disk fail, this node goes on as a diskless Primary and chains from this
            // announcement (`announceGenerationFromDiskless`).
            peers[i].recordAnnouncement(current: entry.announcement.current, previous: entry.announcement.previous)
        }
    }
}

/// A new generation's announcement to `peer`, sent once metadata `version` is durable
/// (`ReplicaInstance.sendDurableAnnouncements`); dropped with the connection it was made for
/// (the next handshake carries the generation).
struct HeldAnnouncement: Sendable {
    var peer: NodeID
    var announcement: GenerationAnnouncement
    var version: UInt64
}
