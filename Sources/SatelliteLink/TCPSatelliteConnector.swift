import ControllerCore

/// The controller's real way to reach satellites: one TCP session per node on the cluster
/// protocol (ClusterWire), redialing with back-off until closed. `tandem controller` uses it
/// unless told to use the in-process fake.
public struct TCPSatelliteConnector: SatelliteConnector {
    public var options: SatelliteLinkSession.Options

    public init(options: SatelliteLinkSession.Options = SatelliteLinkSession.Options()) {
        self.options = options
    }

    public func open(node: String, address: String, port: Int) -> any SatelliteSession {
        SatelliteLinkSession(node: node, host: address, port: port, options: options)
    }
}

extension SatelliteLinkSession: SatelliteSession {}
