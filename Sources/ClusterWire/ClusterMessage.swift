import TandemModel

/// Every message of the controller↔satellite protocol. A session is:
///
///     controller                          satellite
///         hello ───────────────────────────▶
///               ◀─────────────────────────── hello        (or hello + goodbye: incompatible)
///         desiredState(gen N) ─────────────▶                (full state on every connect)
///               ◀─────────────────────────── actualState  (whenever something changed)
///         desiredState(gen N+1) ───────────▶                (or desiredDelta N → N+1, if the
///                                                            satellite's hello offers it)
///         ping ◀──────────────────────────▶ pong          (either side, keep-alive)
public enum ClusterMessage: Sendable, Equatable {
    case hello(Hello)
    /// Sent just before closing, with the reason the other side should show to a person.
    case goodbye(reason: String)
    case ping(UInt64)
    case pong(UInt64)
    case desiredState(NodeDesiredState)
    case actualState(NodeActualState)
    /// Only to a satellite whose hello lists `ClusterFeature.desiredDelta`.
    case desiredDelta(NodeDesiredDelta)

    /// The number in the header's type field. Stable across versions: new messages get new numbers.
    public var typeNumber: UInt16 {
        switch self {
        case .hello: MessageType.hello.rawValue
        case .goodbye: MessageType.goodbye.rawValue
        case .ping: MessageType.ping.rawValue
        case .pong: MessageType.pong.rawValue
        case .desiredState: MessageType.desiredState.rawValue
        case .actualState: MessageType.actualState.rawValue
        case .desiredDelta: MessageType.desiredDelta.rawValue
        }
    }

    public enum MessageType: UInt16, Sendable, CaseIterable {
        case hello = 1
        case goodbye = 2
        case ping = 3
        case pong = 4
        case desiredState = 16
        case actualState = 17
        case desiredDelta = 18

        var name: String {
            switch self {
            case .hello: "hello"
            case .goodbye: "goodbye"
            case .ping: "ping"
            case .pong: "pong"
            case .desiredState: "desired-state"
            case .actualState: "actual-state"
            case .desiredDelta: "desired-delta"
            }
        }
    }
}

/// Which end of the session a process is.
public enum ClusterRole: String, Codable, Sendable {
    case controller
    case satellite
}

/// The first frame each side sends. Its payload keeps a stable shape across protocol versions
/// (fields are only ever added, as optionals) so that either side can always read the other's
/// versions and report an incompatible peer by name instead of failing with decoding noise.
public struct Hello: Codable, Sendable, Equatable {
    public var role: ClusterRole
    public var protocolVersion: UInt16
    /// The release of the tandem binary, shown to the person when versions do not match.
    public var softwareVersion: String
    /// From the controller: the node it believes it is talking to. From the satellite: the node
    /// name it was started with, or empty when it takes the controller's word for it.
    public var nodeName: String
    /// Optional parts of the protocol this side understands (`ClusterFeature` raw values); nil
    /// from releases before features existed. Each side uses a feature only when the other
    /// lists it, so peers of one protocol version but different releases keep working.
    public var features: [String]?

    public init(role: ClusterRole, protocolVersion: UInt16 = ClusterWire.protocolVersion,
                softwareVersion: String = ClusterWire.softwareVersion, nodeName: String,
                features: [String]? = ClusterFeature.allCases.map(\.rawValue)) {
        self.role = role; self.protocolVersion = protocolVersion
        self.softwareVersion = softwareVersion; self.nodeName = nodeName; self.features = features
    }

    /// Whether this side's hello offers `feature`.
    public func offers(_ feature: ClusterFeature) -> Bool { features?.contains(feature.rawValue) ?? false }

    /// Why a session with `peer` cannot go on, or nil when it can.
    public func incompatibility(with peer: Hello) -> String? {
        if peer.role == role {
            return "the peer is also a \(role.rawValue); is the node address pointing at the right process?"
        }
        if peer.protocolVersion != protocolVersion {
            return "version mismatch: the \(peer.role.rawValue) runs tandem \(peer.softwareVersion) (cluster protocol \(peer.protocolVersion)), the \(role.rawValue) runs tandem \(softwareVersion) (cluster protocol \(protocolVersion)); run the same release on both"
        }
        return nil
    }
}

/// Optional parts of protocol version 1, negotiated through `Hello.features`.
public enum ClusterFeature: String, Sendable, CaseIterable {
    /// The satellite accepts `desiredDelta` frames after a complete desired state.
    case desiredDelta = "desired-delta"
}
