import EngineAdmin
import EngineAdminClient
import Foundation
import NIOCore
import Testing

/// The admin socket takes JSON written by hand or by scripts, not only by `tandem adm`. A
/// request that leaves out a flag means what `drbdadm` means when the option is not given
/// (`primary` without `--force`, `connect` without `--discard-my-data`, `events` without
/// `--now`); before, `{"version":1,"verb":"status"}` was refused with Swift's
/// "keyNotFound(CodingKeys(stringValue: \"discardMyData\" …" for a flag `status` has no use for.
/// What is wrong (a missing verb, a flag that is not true/false, an unknown verb, another
/// protocol version) is refused with the field named.
@Suite("Admin requests as JSON")
struct AdminRequestDecodingTests {
    static func decode(_ json: String) throws -> AdminRequest {
        try AdminJSON.decode(AdminRequest.self, from: ByteBuffer(string: json))
    }

    /// The refusal's text for `json`, or nil when it decodes.
    static func refusal(_ json: String) -> String? {
        do { _ = try decode(json); return nil } catch { return "\(error)" }
    }

    @Test("flags left out are off, as drbdadm's options are when not given")
    func omittedFlagsAreOff() throws {
        let status = try Self.decode(#"{"version":1,"verb":"status"}"#)
        #expect(status == AdminRequest(verb: .status))
        let primary = try Self.decode(#"{"version":1,"verb":"primary","resource":"backups"}"#)
        #expect(primary == AdminRequest(verb: .primary, resource: "backups"))
        #expect(!primary.force)
        let connect = try Self.decode(#"{"version":1,"verb":"connect","resource":"backups","discardMyData":true}"#)
        #expect(connect.discardMyData && !connect.force && !connect.now)
        let events = try Self.decode(#"{"version":1,"verb":"events","now":true}"#)
        #expect(events.now && events.statistics == nil && events.resource == nil)
    }

    @Test("what `tandem adm` sends decodes to the same request")
    func roundTrip() throws {
        let sent = AdminRequest(verb: .connect, resource: "backups", discardMyData: true, force: true, now: true,
                                statistics: true, volume: 3, devicePath: "/dev/loop3")
        let line = try AdminJSON.encodeLine(sent)
        #expect(try AdminJSON.decode(AdminRequest.self, from: line) == sent)
    }

    @Test("a wrong or missing field is refused with its name")
    func badFieldsAreNamed() {
        #expect(Self.refusal(#"{"version":1}"#) == "missing field 'verb'")
        #expect(Self.refusal(#"{"verb":"status"}"#) == "missing field 'version' (this engine speaks admin protocol version 1)")
        #expect(Self.refusal(#"{"version":2,"verb":"status"}"#)
            == "admin protocol version 2; this engine speaks version 1 (use the `tandem adm` of the same build)")
        #expect(Self.refusal(#"{"version":1,"verb":"promote"}"#)
            == "field 'verb': unknown verb 'promote' (known: \(AdminVerb.allCases.map(\.rawValue).joined(separator: ", ")))")
        #expect(Self.refusal(#"{"version":1,"verb":"primary","force":"yes"}"#) == "field 'force': expected true or false")
        #expect(Self.refusal(#"{"version":1,"verb":"status","resource":7}"#) == "field 'resource': expected a string")
        #expect(Self.refusal(#"{"version":1,"verb":"attach-device","volume":"0"}"#) == "field 'volume': expected an integer")
        #expect(Self.refusal(#"{"version":1,"verb":"status","force":null}"#) == nil, "null is the same as left out")
    }
}
