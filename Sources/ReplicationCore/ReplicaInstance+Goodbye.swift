/// Leaving a peer gracefully (`disconnect`, `down`, a peer removed by `adjust`): the goodbye,
/// and what it says about this node's disk.
///
/// DRBD outdates a Secondary whose connection to the Primary is closed gracefully, whichever end
/// closes it (drbd9-tests `outdate`: "See if node becomes Outdated when disconnecting from the
/// primary"): it misses the Primary's next writes. A goodbye that says Outdated makes its
/// reader stop counting this node for quorum while it is away (last man standing), so it must
/// be true on disk before it leaves: an UpToDate node that said so and came back from a crash
/// would be a voter the others no longer count, and could join a majority beside a Primary
/// that kept quorum alone (two partitions writing; LastManStandingTests).
extension ReplicaInstance {
    /// What a goodbye may say: this node is Outdated (or worse) and need not be counted while
    /// absent. A node that stays current (it leaves only a Secondary) says no.
    var goodbyeSaysOutdated: Bool { role != .primary && disk.hasDisk && disk <= .outdated }

    /// A Secondary with current data leaves the Primary, or is left by it: Outdated, durably.
    /// Returns the metadata version that holds the mark (nil when nothing changed). The new state
    /// goes to the connected peers other than `toldBy` (those learn it from the goodbye): the
    /// Primary so sees an UpToDate peer go, as for any disconnect, and its next write starts a
    /// new generation, one this node's data can never pass for.
    mutating func outdateLeavingPrimary(why: String, toldBy leaving: Set<Int>) -> UInt64? {
        guard role == .secondary, disk == .upToDate || disk == .consistent else { return nil }
        disk = .outdated
        outdatedReason = .leftPrimary
        let version = markMetadataDirty()
        log(.info, "\(config.resourceName) on \(config.nodeName) \(why): Outdated until a resync from a current peer")
        broadcastState(except: leaving)
        emitDevice()
        emitResource()
        return version
    }

    /// The goodbyes of `adminDisconnect` whose Outdated mark is now on disk: sent, and their
    /// connections dropped. (Until then the connection is Disconnecting and ignores what the
    /// peer sends; a ping timeout drops it without a goodbye, which the peer counts as a node
    /// of unknown state: safe.)
    mutating func sendDeferredGoodbyes() {
        for i in peers.indices {
            guard let version = peers[i].goodbyeAfterMetadata, metadataDurable(version) else { continue }
            peers[i].goodbyeAfterMetadata = nil
            if peers[i].transportUp && peers[i].handshakeSent { send(.goodbye(Goodbye(outdated: goodbyeSaysOutdated)), to: peers[i].id) }
            dropConnection(i, standAlone: true)
        }
    }

    /// A peer leaves gracefully. Said Outdated: it does not vote while absent. The Primary: this
    /// node misses its next writes (the other direction of DRBD's rule; nobody counts this
    /// node's mark, so it need not be on disk before anything).
    mutating func onGoodbye(_ goodbye: Goodbye, peer i: Int) {
        peers[i].leftOutdated = goodbye.outdated
        if peers[i].role == .primary {
            _ = outdateLeavingPrimary(why: "was left by the Primary (node \(peers[i].id), \(peers[i].config.name))", toldBy: [i])
        }
    }
}
