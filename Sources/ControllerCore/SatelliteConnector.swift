import TandemModel

// The controller's side of talking to satellites, as an interface. ClusterWire implements it over
// TCP (port 3366); `FakeSatelliteConnector` implements it in process for tests and benchmarks.
//
// Contract (what the controller relies on, what an implementation must do):
// - `open` returns at once; the session keeps (re)connecting on its own until `close()`.
// - Every successful connect yields `.connected(satelliteVersion:)`. The controller answers each
//   one with the node's full desired state (`push`), so a session never needs to remember or
//   replay desired states across connections. A `push` while disconnected may be dropped.
// - `push` always hands over the complete desired state; how it travels is the session's
//   business. The TCP session sends the first state of a connection complete and later ones as
//   deltas against the state sent before, when the satellite offers that (docs/cluster-protocol.md).
// - A satellite whose protocol version the session cannot speak yields `.incompatibleVersion`
//   (the node shows OFFLINE(VERSION MISMATCH)); the session may keep retrying.
// - Losing the connection yields `.disconnected(reason:)`; the reason is shown to the user.
// - The satellite's reports arrive as `.actualState`, each one complete (not a delta).
// - `events` is a single-consumer stream that ends after `close()`. Implementations must bound
//   its buffer (e.g. `.bufferingNewest(satelliteEventBufferMax)`): an actual state supersedes the
//   ones before it, so dropping old reports under backpressure loses nothing that matters.

/// Something a satellite session reports to the controller.
public enum SatelliteEvent: Sendable, Equatable {
    /// The session is up and the satellite speaks a compatible protocol.
    case connected(satelliteVersion: String)
    /// The satellite answered but cannot be driven by this controller (e.g. another protocol
    /// version). `reason` is shown to the user as is.
    case incompatibleVersion(satelliteVersion: String, reason: String)
    /// The connection is gone (or could not be made); the session keeps retrying.
    case disconnected(reason: String)
    /// A complete report of what exists on the node.
    case actualState(NodeActualState)
}

/// One node's session, from `SatelliteConnector.open` until `close()`.
public protocol SatelliteSession: Sendable {
    /// Events in the order they happened. Single consumer; finishes after `close()`.
    var events: AsyncStream<SatelliteEvent> { get }
    /// Hands the node's complete desired state to the satellite (asynchronously; returns at once).
    /// The satellite reports the generation it has applied in `NodeActualState.appliedGeneration`.
    func push(_ desired: NodeDesiredState)
    /// Ends the session (the node was deleted, its address changed, or the controller stops).
    func close()
}

/// Opens sessions to satellites. One session per node at a time.
public protocol SatelliteConnector: Sendable {
    func open(node: String, address: String, port: Int) -> any SatelliteSession
}

/// Upper bound for a session's undelivered events; older events are dropped first.
public let satelliteEventBufferMax = 256

/// The protocol version this controller speaks with satellites; a fake satellite reports it.
public let tandemSatelliteProtocolVersion = "1"
