/// A set of node ids in one word (ids are below `ReplicaConfig.nodeIDLimit`, 32, which the
/// config checks). For the peers a request was sent to and still waits for: as `[NodeID]` those
/// were two array allocations per replicated write on the Primary, and a copy of the request
/// retained and released both.
struct NodeSet: Sendable, Equatable {
    private var bits: UInt32 = 0

    init() {}
    private init(bits: UInt32) { self.bits = bits }

    var isEmpty: Bool { bits == 0 }

    func contains(_ node: NodeID) -> Bool { bits & Self.bit(node) != 0 }

    mutating func insert(_ node: NodeID) { bits |= Self.bit(node) }

    /// Removes `node`; whether it was in the set.
    @discardableResult
    mutating func remove(_ node: NodeID) -> Bool {
        let had = contains(node)
        bits &= ~Self.bit(node)
        return had
    }

    /// The nodes of this set that are not in `other`.
    func subtracting(_ other: NodeSet) -> NodeSet { NodeSet(bits: bits & ~other.bits) }

    private static func bit(_ node: NodeID) -> UInt32 {
        precondition(node.rawValue < ReplicaConfig.nodeIDLimit, "node id \(node) out of range")
        return 1 << UInt32(node.rawValue)
    }
}
