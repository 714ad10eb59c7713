/// Decoding an admin request written by anyone: scripts and hand-written `socat` lines as much
/// as `tandem adm`. A flag that is left out (or null) is off, as a drbdadm option that is not
/// given: `{"version":1,"verb":"status"}` is a whole request. What cannot be read is refused
/// with the field named, since Swift's own decoding errors ("keyNotFound(CodingKeys(…") name
/// the field only in passing. Nothing is done for a refused request (the server answers the
/// refusal and closes the connection).
extension AdminRequest {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AdminRequestKey.self)
        // The version first: another version's fields may mean other things, so the refusal
        // says that rather than complaining about one of them.
        guard let version = try c.field(Int.self, "version") else {
            throw AdminRequestError("missing field 'version' (this engine speaks admin protocol version \(AdminProtocol.version))")
        }
        guard version == AdminProtocol.version else {
            throw AdminRequestError("admin protocol version \(version); this engine speaks version \(AdminProtocol.version) (use the `tandem adm` of the same build)")
        }
        guard let verbName = try c.field(String.self, "verb") else { throw AdminRequestError("missing field 'verb'") }
        guard let verb = AdminVerb(rawValue: verbName) else {
            let known = AdminVerb.allCases.map(\.rawValue).joined(separator: ", ")
            throw AdminRequestError("field 'verb': unknown verb '\(verbName)' (known: \(known))")
        }
        self.init(verb: verb, resource: try c.field(String.self, "resource"),
                  discardMyData: try c.field(Bool.self, "discardMyData") ?? false, force: try c.field(Bool.self, "force") ?? false,
                  now: try c.field(Bool.self, "now") ?? false, statistics: try c.field(Bool.self, "statistics"),
                  volume: try c.field(Int.self, "volume"), devicePath: try c.field(String.self, "devicePath"))
    }
}

/// Why an admin request line was refused, as the operator reads it.
public struct AdminRequestError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The request's field names, spelled as `AdminRequest`'s properties (what the encoder writes).
struct AdminRequestKey: CodingKey {
    let stringValue: String
    init(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer<AdminRequestKey> {
    /// The field's value, nil when it is absent or null; a value of another type is refused
    /// naming the field and the type it must have.
    func field<T: Decodable>(_ type: T.Type, _ name: String) throws -> T? {
        do {
            return try decodeIfPresent(type, forKey: AdminRequestKey(stringValue: name))
        } catch DecodingError.typeMismatch, DecodingError.dataCorrupted {
            // An out-of-range number ("volume": 1e30) is dataCorrupted, a string for a number
            // typeMismatch: both are the wrong kind of value for this field.
            throw AdminRequestError("field '\(name)': expected \(Self.kind(of: type))")
        }
    }

    static func kind<T>(of type: T.Type) -> String {
        switch type {
        case is Bool.Type: "true or false"
        case is String.Type: "a string"
        default: "an integer"
        }
    }
}
