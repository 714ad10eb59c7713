/// A Primary's write acknowledged only on a quorum of peers known to have taken its role.
///
/// In DRBD 9 a promotion and a connect are cluster-wide two-phase commits: no connection comes up
/// while a promotion runs, and a node that committed a connection to a Primary refuses to vote
/// another node in. Here each end connects on the other's handshake alone, so a peer can be
/// counted by a Primary before it has taken that Primary's role, and vote another node in
/// meanwhile: a third node in the majorities of two Primaries (seeds 790 and 1068,
/// TwoPrimariesTests). Two ways in: its handshake arrived while this node's promotion waited
/// without asking it, or while this node was Primary without quorum. Quorum is counted as
/// before (it decides suspension, outdating and votes; narrowing it flipped quorum and failed
/// held writes in session 14's `narrowq`); only the acknowledgement waits until such a peer shows
/// it took the role: its bitmap (a peer sends it only after taking this node's handshake, and a
/// handshake that said Primary is this node's role), or its answer to a ping sent behind the role
/// (the peer answers in stream order, so after the role; a peer that refuses a second Primary
/// drops the link first).
extension ReplicaInstance {
    /// Marks a ping as a role probe; the peer echoes any ping unchanged. Not `lostCopyProbeFlag`,
    /// whose pings a peer may answer later.
    static let roleProbeFlag: UInt64 = 1 << 62

    /// Whether a write with its copies done must still wait: this node is Primary, counts a peer
    /// that has not shown it took the role, and lacks quorum without it. Pings each such peer
    /// that no bitmap is coming from (once per connection).
    mutating func ackWaitsForRoleConfirmation() -> Bool {
        guard role == .primary, config.quorum != .off,
              peers.contains(where: { $0.isConnected && $0.awaitsRoleConfirmation }) else { return false }
        if quorumInput(counting: { $0.isConnected && !$0.awaitsRoleConfirmation }).hasQuorum { return false }
        for i in peers.indices where peers[i].isConnected && peers[i].awaitsRoleConfirmation && peers[i].roleProbeSent == 0 {
            if bitmapWillConfirmRole(i) { continue }
            let probe = Self.roleProbeFlag | now
            peers[i].roleProbeSent = probe
            send(.ping(probe), to: peers[i].id)
            log(.info, "node \(peers[i].id) (\(peers[i].config.name)) is counted but has not shown it took this node's role (it connected during the promotion or without quorum): writes wait for its answer before they count it")
        }
        return true
    }

    /// Peer `i`'s bitmap is still to come and will confirm the role: this node's handshake to it
    /// said Primary, and both planned the exchange from the same two handshakes.
    func bitmapWillConfirmRole(_ i: Int) -> Bool {
        peers[i].sentHandshake?.role == .primary && !peers[i].bitmapReceived
            && (peers[i].replication == .wfBitMapS || peers[i].replication == .wfBitMapT)
    }

    /// A bitmap chunk from peer `i`: sent after it took this node's handshake, so if that said
    /// Primary the peer took the role.
    mutating func confirmRoleByBitmap(from i: Int) {
        guard role == .primary, peers[i].awaitsRoleConfirmation, peers[i].sentHandshake?.role == .primary else { return }
        peers[i].awaitsRoleConfirmation = false
    }

    mutating func onRoleProbeAnswer(_ value: UInt64, peer i: Int) {
        guard value == peers[i].roleProbeSent, role == .primary, peers[i].isConnected else { return }
        peers[i].awaitsRoleConfirmation = false
    }
}
