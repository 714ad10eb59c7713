import Foundation

/// `-m` / `--machine-readable` output: the REST JSON, pretty-printed. As in the linstor client,
/// list commands print an array holding one element per REST reply (so `jq '.[0]'` scripts
/// written for linstor work), and mutating commands print the ApiCallRc array itself.
public enum MachineReadable {
    public struct NotJSON: Error, CustomStringConvertible {
        public let detail: String
        public var description: String { "the controller's reply is not JSON: \(detail)" }
    }

    public static func list(_ replies: [Data]) throws -> String {
        let values = try replies.map(parse)
        return try render(values)
    }

    public static func replies(_ body: Data) throws -> String {
        try render(parse(body))
    }

    static func parse(_ body: Data) throws -> Any {
        do { return try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) } catch {
            throw NotJSON(detail: String(decoding: body.prefix(200), as: UTF8.self))
        }
    }

    static func render(_ value: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
