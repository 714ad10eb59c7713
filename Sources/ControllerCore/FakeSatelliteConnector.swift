import Synchronization
import TandemModel

/// An in-process stand-in for every satellite, for tests and benchmarks (`tandem controller
/// --fake-satellites TOTAL_KIB`). Each node "applies" a pushed desired state at once and reports
/// it back: its storage pools with a fixed total capacity and free = total − what its volumes
/// take, every resource Secondary/UpToDate (Diskless for diskless ones), every peer Connected.
/// Tests steer it per node: unreachable, not applying (a slow satellite), another protocol
/// version, pool capacities unknown or of a given size.
public final class FakeSatelliteConnector: SatelliteConnector {
    /// How one fake node behaves; change it with the setters below at any time.
    public struct NodeBehavior: Sendable {
        public var reachable = true
        /// False makes the node hold every push without reporting it (a slow satellite).
        public var applying = true
        /// Reported as the satellite's version; `compatible == false` reports it as a mismatch.
        public var version = tandemSatelliteProtocolVersion
        public var compatible = true
        /// Total KiB per pool name; pools not listed use the connector's default.
        public var poolTotalKiB: [String: UInt64?] = [:]
        /// Pools the node cannot use, with the reason a real satellite would give.
        public var poolErrors: [String: String] = [:]
    }

    private struct SessionSlot {
        var continuation: AsyncStream<SatelliteEvent>.Continuation
        var lastDesired: NodeDesiredState?
        var id: Int
    }

    private struct Shared {
        var behaviors: [String: NodeBehavior] = [:]
        var sessions: [String: SessionSlot] = [:]
        var nextSessionId = 0
        var pushCount = 0
    }

    /// Capacity reported for a pool nobody configured; nil means "unknown" (never placed on).
    public let defaultPoolTotalKiB: UInt64?
    private let shared = Mutex(Shared())

    public init(defaultPoolTotalKiB: UInt64?) {
        self.defaultPoolTotalKiB = defaultPoolTotalKiB
    }

    public func open(node: String, address: String, port: Int) -> any SatelliteSession {
        let (stream, continuation) = AsyncStream<SatelliteEvent>.makeStream(bufferingPolicy: .bufferingNewest(satelliteEventBufferMax))
        let id = shared.withLock { s -> Int in
            s.nextSessionId += 1
            s.sessions[node]?.continuation.finish()
            s.sessions[node] = SessionSlot(continuation: continuation, lastDesired: nil, id: s.nextSessionId)
            return s.nextSessionId
        }
        announce(node: node)
        return FakeSession(connector: self, node: node, id: id, events: stream)
    }

    // MARK: steering (tests)

    public func setReachable(_ node: String, _ reachable: Bool) {
        update(node) { $0.reachable = reachable }
        if reachable { announce(node: node) } else { yield(node, .disconnected(reason: "fake satellite '\(node)' made unreachable")) }
    }

    public func setApplying(_ node: String, _ applying: Bool) {
        update(node) { $0.applying = applying }
        if applying { reportIfApplying(node: node) }
    }

    public func setIncompatibleVersion(_ node: String, version: String?) {
        update(node) { b in
            b.compatible = version == nil
            b.version = version ?? tandemSatelliteProtocolVersion
        }
        announce(node: node)
    }

    /// nil makes the pool's capacity unknown.
    public func setPoolTotal(_ node: String, pool: String, kib: UInt64?) {
        update(node) { $0.poolTotalKiB[pool] = .some(kib) }
        reportIfApplying(node: node)
    }

    /// Makes the node report the pool as unusable with `error` (nil: usable again).
    public func setPoolError(_ node: String, pool: String, error: String?) {
        update(node) { $0.poolErrors[pool] = error }
        reportIfApplying(node: node)
    }

    /// The desired state last pushed to the node's open session.
    public func lastDesired(_ node: String) -> NodeDesiredState? {
        shared.withLock { $0.sessions[node]?.lastDesired }
    }

    public var pushCount: Int { shared.withLock { $0.pushCount } }

    // MARK: session side

    fileprivate func push(node: String, id: Int, desired: NodeDesiredState) {
        let accepted = shared.withLock { s -> Bool in
            guard s.sessions[node]?.id == id else { return false }
            let b = s.behaviors[node] ?? NodeBehavior()
            guard b.reachable, b.compatible else { return false }
            s.sessions[node]?.lastDesired = desired
            s.pushCount += 1
            return true
        }
        if accepted { reportIfApplying(node: node) }
    }

    fileprivate func close(node: String, id: Int) {
        shared.withLock { s in
            guard let slot = s.sessions[node], slot.id == id else { return }
            slot.continuation.finish()
            s.sessions[node] = nil
        }
    }

    private func update(_ node: String, _ change: (inout NodeBehavior) -> Void) {
        shared.withLock { s in
            var b = s.behaviors[node] ?? NodeBehavior()
            change(&b)
            s.behaviors[node] = b
        }
    }

    private func yield(_ node: String, _ event: SatelliteEvent) {
        shared.withLock { s in _ = s.sessions[node]?.continuation.yield(event) }
    }

    private func announce(node: String) {
        shared.withLock { s in
            guard let slot = s.sessions[node] else { return }
            let b = s.behaviors[node] ?? NodeBehavior()
            if !b.reachable {
                slot.continuation.yield(.disconnected(reason: "fake satellite '\(node)' is unreachable"))
            } else if !b.compatible {
                slot.continuation.yield(.incompatibleVersion(satelliteVersion: b.version, reason: "satellite speaks protocol \(b.version), controller speaks \(tandemSatelliteProtocolVersion)"))
            } else {
                slot.continuation.yield(.connected(satelliteVersion: b.version))
            }
        }
    }

    private func reportIfApplying(node: String) {
        shared.withLock { s in
            guard let slot = s.sessions[node], let desired = slot.lastDesired else { return }
            let b = s.behaviors[node] ?? NodeBehavior()
            guard b.reachable, b.compatible, b.applying else { return }
            slot.continuation.yield(.actualState(Self.actual(for: desired, behavior: b, defaultTotal: defaultPoolTotalKiB)))
        }
    }

    /// What a perfectly healthy satellite would report after applying `desired`.
    static func actual(for desired: NodeDesiredState, behavior: NodeBehavior, defaultTotal: UInt64?) -> NodeActualState {
        var usedKiB: [String: UInt64] = [:]
        for r in desired.resources where !r.diskless {
            for v in r.volumes { if let p = v.storagePool { usedKiB[p, default: 0] += v.sizeKiB } }
        }
        let pools = desired.storagePools.map { p -> ActualStoragePool in
            if let error = behavior.poolErrors[p.name] { return ActualStoragePool(name: p.name, totalCapacityKiB: nil, freeCapacityKiB: nil, error: error) }
            if p.provider == .diskless { return ActualStoragePool(name: p.name, totalCapacityKiB: nil, freeCapacityKiB: nil) }
            let total: UInt64? = behavior.poolTotalKiB[p.name] ?? defaultTotal
            guard let total else { return ActualStoragePool(name: p.name, totalCapacityKiB: nil, freeCapacityKiB: nil) }
            let used = usedKiB[p.name] ?? 0
            return ActualStoragePool(name: p.name, totalCapacityKiB: total, freeCapacityKiB: total > used ? total - used : 0)
        }
        let resources = desired.resources.map { r in
            ActualResource(
                name: r.name, role: "Secondary", inUse: false,
                volumes: r.volumes.map { v in
                    ActualVolume(volumeNumber: v.volumeNumber, diskState: r.diskless ? "Diskless" : "UpToDate",
                                 allocatedKiB: r.diskless ? nil : v.sizeKiB, devicePath: nil, nbdExport: nil)
                },
                connections: r.peers.map { peer in
                    ActualConnection(peerNodeName: peer.nodeName, connectionState: "Connected", replicationState: "Established",
                                     peerDiskState: peer.diskless ? "Diskless" : "UpToDate")
                })
        }
        return NodeActualState(appliedGeneration: desired.generation, storagePools: pools, resources: resources)
    }
}

/// A session handed out by `FakeSatelliteConnector`.
struct FakeSession: SatelliteSession {
    let connector: FakeSatelliteConnector
    let node: String
    let id: Int
    let events: AsyncStream<SatelliteEvent>

    func push(_ desired: NodeDesiredState) { connector.push(node: node, id: id, desired: desired) }
    func close() { connector.close(node: node, id: id) }
}
