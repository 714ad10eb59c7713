/// The admin socket protocol (`<state>/run/admin.sock`): newline-delimited JSON, one request per
/// connection line, answered by one `AdminResponse` line (or, for `events`, a stream of them).
/// Lines are at most `AdminProtocol.lineBytesMax`; a longer or malformed line gets an error
/// response and the connection is closed.
public enum AdminProtocol {
    public static let version = 1
    public static let lineBytesMax = 4 << 20
}

/// Commands, spelled as `tandem adm` spells them (drbdadm's verbs).
public enum AdminVerb: String, Codable, Sendable, CaseIterable {
    /// Load the resource file and bring the resource up (attach, listen, connect).
    case up
    /// Disconnect, detach and stop serving the resource (its file stays).
    case down
    /// Re-read the resource file and apply what changed; brings up new resources, and with no
    /// resource name also takes down resources whose file was removed.
    case adjust
    case primary
    case secondary
    case connect
    case disconnect
    /// Mark the local disk Inconsistent and resync it completely from a peer.
    case invalidate
    /// Online verify against connected peers.
    case verify
    case status
    /// Stream state changes (`drbdsetup events2`).
    case events
    /// Register a local block device attached to a volume's export (`tandem adm attach` sends
    /// it once its loop device exists; the volume must be open by an NBD client). The device
    /// shows in `status` for as long as this connection stays open; when the resource goes down
    /// the engine sends one last line (`ok: false`, the reason) and closes the connection, which
    /// tells the attach process to detach.
    case attachDevice = "attach-device"
}

/// Decoded by `AdminRequest+Decoding.swift`: flags left out are off, and a field that cannot be
/// read is refused by name.
public struct AdminRequest: Codable, Sendable, Equatable {
    /// `AdminProtocol.version`; a request of another version is refused.
    public var version: Int
    public var verb: AdminVerb
    /// nil = every resource ("all").
    public var resource: String?
    /// `connect --discard-my-data`: yield in a split brain and resync from the peer.
    public var discardMyData: Bool
    /// `primary --force`: promote a disk that is not UpToDate (makes it the source of truth).
    public var force: Bool
    /// `events --now`: dump the current state and end.
    public var now: Bool
    /// `events --statistics`: event lines carry the counters (`drbdsetup events2 --statistics`).
    /// nil means no (requests from clients that predate it leave it out).
    public var statistics: Bool?
    /// `attach-device`: the volume number and the local device path (e.g. "/dev/loop3").
    public var volume: Int?
    public var devicePath: String?

    public init(verb: AdminVerb, resource: String? = nil, discardMyData: Bool = false, force: Bool = false, now: Bool = false,
                statistics: Bool? = nil, volume: Int? = nil, devicePath: String? = nil) {
        self.version = AdminProtocol.version; self.verb = verb; self.resource = resource
        self.discardMyData = discardMyData; self.force = force; self.now = now; self.statistics = statistics
        self.volume = volume; self.devicePath = devicePath
    }
}

public struct AdminResponse: Codable, Sendable, Equatable {
    public var ok: Bool
    /// Why the command failed, written for the operator (what happened, what to do).
    public var error: String?
    /// Notes from a successful command ("backups: already up").
    public var messages: [String]
    /// For `status` (and after state-changing commands): the resources concerned.
    public var resources: [ResourceReport]?
    /// For `events`: one event per response line.
    public var event: EngineEvent?

    public init(ok: Bool, error: String? = nil, messages: [String] = [], resources: [ResourceReport]? = nil, event: EngineEvent? = nil) {
        self.ok = ok; self.error = error; self.messages = messages; self.resources = resources; self.event = event
    }

    public static func failure(_ message: String) -> AdminResponse { AdminResponse(ok: false, error: message) }
}
