import ControllerCore
import TandemModel

/// The connector used when no satellite transport is configured: every session reports, once,
/// that the node cannot be reached and why. Nodes show OFFLINE and changes queue for them, which
/// is exactly how a controller behaves with all satellites down.
public struct UnavailableSatelliteConnector: SatelliteConnector {
    public let reason: String
    public init(reason: String) { self.reason = reason }

    public func open(node: String, address: String, port: Int) -> any SatelliteSession {
        let (stream, continuation) = AsyncStream<SatelliteEvent>.makeStream(bufferingPolicy: .bufferingNewest(satelliteEventBufferMax))
        continuation.yield(.disconnected(reason: reason))
        return Session(events: stream, continuation: continuation)
    }

    struct Session: SatelliteSession {
        let events: AsyncStream<SatelliteEvent>
        let continuation: AsyncStream<SatelliteEvent>.Continuation
        func push(_ desired: NodeDesiredState) {}
        func close() { continuation.finish() }
    }
}
