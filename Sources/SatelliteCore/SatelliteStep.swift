/// One thing the satellite does to its node. The executor runs a resource's steps in order and
/// stops at the first failure (later steps of that resource depend on it); the next plan,
/// computed from a fresh observation, retries whatever is still missing.
///
/// Ordering contract the executor keeps for the ledger:
/// - `claim` and `createBackingVolume` record ownership durably *before* anything is created,
///   so a crash can never leave a volume that the satellite would later call foreign;
/// - `writeResourceFile` marks the resource adjust-pending durably before it replaces the file,
///   and `adjust` clears the mark only after the engine confirmed;
/// - `release` forgets the resource only after its storage is gone.
public enum SatelliteStep: Sendable, Equatable, CustomStringConvertible {
    /// Record that this satellite manages `resource` (before anything of it exists).
    case claim(resource: String)
    /// Take over a resource whose file on disk is exactly what the controller wants, with the
    /// backing volumes it uses (after the ledger was lost); nothing on the node changes.
    case adopt(resource: String, volumes: [BackingVolumeKey])
    case createBackingVolume(resource: String, volume: BackingVolumeKey, sizeKiB: UInt64)
    case growBackingVolume(resource: String, volume: BackingVolumeKey, sizeKiB: UInt64)
    /// Atomically replace the engine's resource file.
    case writeResourceFile(resource: String, text: String)
    /// Ask the engine to bring the resource in line with its file (up if it is not running).
    case adjust(resource: String)
    /// Ask the engine to stop replicating and serving the resource.
    case down(resource: String)
    case removeResourceFile(resource: String)
    case deleteBackingVolume(resource: String, volume: BackingVolumeKey)
    /// Forget the resource in the ledger: it is gone from this node.
    case release(resource: String)

    public var resource: String {
        switch self {
        case .claim(let r), .adopt(let r, _), .createBackingVolume(let r, _, _), .growBackingVolume(let r, _, _),
             .writeResourceFile(let r, _), .adjust(let r), .down(let r), .removeResourceFile(let r),
             .deleteBackingVolume(let r, _), .release(let r):
            r
        }
    }

    public var description: String {
        switch self {
        case .claim(let r): "claim \(r)"
        case .adopt(let r, let v): "adopt \(r)" + (v.isEmpty ? "" : " with \(v.map(\.description).joined(separator: ", "))")
        case .createBackingVolume(_, let v, let kib): "create \(v) (\(kib) KiB)"
        case .growBackingVolume(_, let v, let kib): "grow \(v) to \(kib) KiB"
        case .writeResourceFile(let r, _): "write \(r).res"
        case .adjust(let r): "adjust \(r)"
        case .down(let r): "down \(r)"
        case .removeResourceFile(let r): "remove \(r).res"
        case .deleteBackingVolume(_, let v): "delete \(v)"
        case .release(let r): "release \(r)"
        }
    }
}

/// The planner's answer: steps to run, in order, and what cannot be done (per resource).
public struct SatellitePlan: Sendable, Equatable {
    public var steps: [SatelliteStep]
    /// Resource name → why it cannot be realized now; shown on the resource in the controller.
    public var problems: [String: [String]]
    public init(steps: [SatelliteStep] = [], problems: [String: [String]] = [:]) {
        self.steps = steps; self.problems = problems
    }
}
