/// One peer of this replica in the resource's full mesh.
public struct PeerConfig: Sendable, Equatable {
    public var nodeID: NodeID
    /// Human name for messages and status (the peer's host name in the resource file).
    public var name: String
    public var replicationProtocol: ReplicationProtocol
    /// The peer is an intentional diskless client (DRBD `disk none`): no bitmap is kept for it,
    /// it never counts for durability, and it is a tiebreaker for quorum.
    public var disklessClient: Bool

    public init(nodeID: NodeID, name: String, replicationProtocol: ReplicationProtocol = .c,
                disklessClient: Bool = false) {
        self.nodeID = nodeID
        self.name = name
        self.replicationProtocol = replicationProtocol
        self.disklessClient = disklessClient
    }
}

/// Everything fixed for the lifetime of one `ReplicaInstance`. Every queue and window the core
/// keeps is bounded by a `…Max` here; `validate()` rejects values the core cannot honour.
public struct ReplicaConfig: Sendable, Equatable {
    public var resourceName: String
    public var volume: UInt16
    public var nodeID: NodeID
    /// This node's name, for messages.
    public var nodeName: String
    /// This node is an intentional diskless client (no backing store).
    public var disklessClient: Bool
    public var peers: [PeerConfig]
    /// Usable size of the volume in bytes (a multiple of `bitmapBlockBytes`).
    public var sizeBytes: UInt64
    /// Bytes per out-of-sync bit (DRBD default 4 KiB).
    public var bitmapBlockBytes: UInt32 = 4096
    /// The smallest `bitmapBlockBytes` a configuration takes (the codec bounds a resync reply's
    /// third-node words by it: it does not know a link's block size).
    public static let bitmapBlockBytesMin: UInt32 = 512
    /// Bytes per activity-log extent (DRBD: 4 MiB).
    public var activityLogExtentBytes: UInt64 = 4 << 20
    /// Hot extents kept in the activity log (DRBD al-extents, default 1237).
    public var activityLogExtentsMax: Int = 1237
    public var quorum: QuorumPolicy = .off
    public var onNoQuorum: OnNoQuorum = .suspendIO
    /// Promote on the first write when the rules allow (DRBD auto-promote, default yes).
    public var autoPromote: Bool = true
    /// How often the shell calls `tick` (DRBD's controller step is 100 ms → 10).
    public var ticksPerSecond: UInt32 = 10
    /// Send a ping after this many idle ticks on a connection.
    public var pingIntervalTicks: UInt32 = 100
    /// Drop a connection whose ping was not answered within this many ticks.
    public var pingTimeoutTicks: UInt32 = 50
    /// Ask the shell to (re)connect after this many ticks in Connecting with no transport.
    public var connectRetryTicks: UInt32 = 10
    /// Wait this long for promotion replies before giving up.
    public var promotionTimeoutTicks: UInt32 = 50
    /// Largest client request or replicated write, in bytes.
    public var requestBytesMax: UInt32 = 4 << 20
    /// Client requests admitted and not yet completed.
    public var clientRequestsMax: Int = 4096
    /// Storage actions (data reads/writes/flushes) outstanding at once.
    public var storageOpsMax: Int = 8192
    /// Writes sent to one peer and not yet acknowledged.
    public var peerWritesInFlightMax: Int = 4096
    /// Resync requests outstanding toward one peer.
    public var resyncRequestsInFlightMax: Int = 64
    /// Largest single resync request (a run of out-of-sync blocks), in bytes. (2 MiB with a
    /// 32 MiB window measured 2-3x slower than this on the shared machine, 09:35 UTC session 4,
    /// cause not found: docs/engine-measurements.md "Resync".)
    public var resyncRequestBytesMax: UInt32 = 1 << 20
    /// Rate controller: most resync data requested and not yet written locally (the window's
    /// ceiling; bounds the memory resync uses). The controller keeps the window below this as
    /// long as the queueing delay stays under `resyncDelayTargetMicros`. Per resource:
    /// `c-fill-target` (DRBD's name).
    public var resyncFillTargetBytes: UInt64 = 8 << 20
    /// Rate controller: resync never throttles itself below this (DRBD c-min-rate).
    public var resyncRateMinBytesPerSecond: UInt64 = 4 << 20
    /// Rate controller: hard ceiling (DRBD c-max-rate). Default effectively unlimited: the
    /// controller, not a cap, decides.
    public var resyncRateMaxBytesPerSecond: UInt64 = 64 << 30
    /// Rate controller: queueing delay (µs) resync may add to the path application I/O shares
    /// with it (source disk, link, target disk); above it the resync window shrinks. Measured
    /// with the shell's clock (`step(_:atMicros:)`), or in ticks when the shell gives none.
    public var resyncDelayTargetMicros: UInt64 = 20_000
    /// Online verify requests outstanding toward one peer.
    public var verifyRequestsInFlightMax: Int = 32
    /// Requests held while I/O is suspended (no quorum with suspend-io, promotion pending).
    public var suspendedRequestsMax: Int = 4096

    public static let nodeIDLimit: UInt8 = 32
    public static let peersMax = 31

    public init(resourceName: String, volume: UInt16 = 0, nodeID: NodeID, nodeName: String,
                disklessClient: Bool = false, peers: [PeerConfig], sizeBytes: UInt64) {
        self.resourceName = resourceName
        self.volume = volume
        self.nodeID = nodeID
        self.nodeName = nodeName
        self.disklessClient = disklessClient
        self.peers = peers
        self.sizeBytes = sizeBytes
    }

    public func peer(_ id: NodeID) -> PeerConfig? { peers.first { $0.nodeID == id } }

    /// Checks every limit and relation; the error says which setting is wrong and why.
    public func validate() throws(ReplicaConfigError) {
        func fail(_ text: String) -> ReplicaConfigError { ReplicaConfigError(resourceName, text) }
        if resourceName.isEmpty { throw fail("the resource name is empty") }
        if nodeID.rawValue >= Self.nodeIDLimit {
            throw fail("node id \(nodeID) is out of range 0…\(Self.nodeIDLimit - 1)")
        }
        if peers.count > Self.peersMax { throw fail("\(peers.count) peers; at most \(Self.peersMax)") }
        var seen: [NodeID] = [nodeID]
        for peer in peers {
            if peer.nodeID.rawValue >= Self.nodeIDLimit {
                throw fail("peer '\(peer.name)' has node id \(peer.nodeID), out of range 0…\(Self.nodeIDLimit - 1)")
            }
            if seen.contains(peer.nodeID) {
                throw fail("node id \(peer.nodeID) is used twice (peer '\(peer.name)')")
            }
            seen.append(peer.nodeID)
        }
        let block = UInt64(bitmapBlockBytes)
        if bitmapBlockBytes < Self.bitmapBlockBytesMin || bitmapBlockBytes > 1 << 20 || block & (block - 1) != 0 {
            throw fail("bitmap block size \(bitmapBlockBytes) must be a power of two from \(Self.bitmapBlockBytesMin) B to 1 MiB")
        }
        if sizeBytes == 0 || sizeBytes % block != 0 {
            throw fail("volume size \(sizeBytes) B must be a positive multiple of the bitmap block size \(block) B")
        }
        if sizeBytes > 1 << 50 { throw fail("volume size \(sizeBytes) B exceeds 1 PiB") }
        if activityLogExtentBytes < block || activityLogExtentBytes % block != 0 {
            throw fail("activity-log extent \(activityLogExtentBytes) B must be a multiple of the bitmap block \(block) B")
        }
        if activityLogExtentsMax < 1 || activityLogExtentsMax > 65536 {
            throw fail("al-extents \(activityLogExtentsMax) must be within 1…65536")
        }
        if requestBytesMax < 512 || requestBytesMax > 32 << 20 {
            throw fail("requestBytesMax \(requestBytesMax) must be within 512 B…32 MiB")
        }
        if resyncRequestBytesMax < bitmapBlockBytes || resyncRequestBytesMax > requestBytesMax {
            throw fail("resyncRequestBytesMax must be between the bitmap block size and requestBytesMax")
        }
        let positive: [(String, Int)] = [
            ("clientRequestsMax", clientRequestsMax), ("storageOpsMax", storageOpsMax),
            ("peerWritesInFlightMax", peerWritesInFlightMax),
            ("resyncRequestsInFlightMax", resyncRequestsInFlightMax),
            ("verifyRequestsInFlightMax", verifyRequestsInFlightMax),
            ("suspendedRequestsMax", suspendedRequestsMax),
            ("ticksPerSecond", Int(ticksPerSecond)), ("pingTimeoutTicks", Int(pingTimeoutTicks)),
            ("pingIntervalTicks", Int(pingIntervalTicks)), ("connectRetryTicks", Int(connectRetryTicks)),
            ("promotionTimeoutTicks", Int(promotionTimeoutTicks)),
            ("resyncDelayTargetMicros", Int(clamping: resyncDelayTargetMicros)),
        ]
        for (name, value) in positive where value <= 0 { throw fail("\(name) must be positive, not \(value)") }
        if resyncRateMinBytesPerSecond > resyncRateMaxBytesPerSecond {
            throw fail("resync minimum rate exceeds the maximum rate")
        }
    }

    var blockCount: UInt64 { sizeBytes / UInt64(bitmapBlockBytes) }
}

/// A configuration the core refuses, with a message naming the resource and the setting.
public struct ReplicaConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public let resourceName: String
    public let reason: String
    init(_ resourceName: String, _ reason: String) {
        self.resourceName = resourceName
        self.reason = reason
    }
    public var description: String { "resource '\(resourceName)': \(reason)" }
}
