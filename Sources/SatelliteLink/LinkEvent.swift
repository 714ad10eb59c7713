import TandemModel

/// What a link to one satellite reports, in the order it happened. Maps one to one onto the
/// controller's `SatelliteEvent`.
public enum LinkEvent: Sendable, Equatable {
    case connected(satelliteVersion: String)
    case incompatibleVersion(satelliteVersion: String, reason: String)
    case disconnected(reason: String)
    case actualState(NodeActualState)
}
