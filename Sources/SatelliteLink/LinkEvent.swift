import ControllerCore

/// What a link to one satellite reports: exactly the controller's `SatelliteEvent`, so a
/// `SatelliteLinkSession` is a drop-in `SatelliteSession`.
public typealias LinkEvent = SatelliteEvent
