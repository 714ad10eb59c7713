import Foundation

/// One call to the controller's REST API, built purely from the command line so it can be
/// checked without a network: method, path (segments already percent-encoded), repeated query
/// keys (LINSTOR's list filters, `?nodes=a&nodes=b`) and an optional JSON body.
public struct RestRequest: Sendable, Equatable {
    public enum Method: String, Sendable { case get = "GET", post = "POST", put = "PUT", delete = "DELETE" }

    public var method: Method
    public var path: String
    public var query: [(String, String)]
    public var body: Data?

    public init(_ method: Method, _ segments: [String], query: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.path = "/" + segments.map(Self.percentEncoded).joined(separator: "/")
        self.query = query
        self.body = body
    }

    /// A request with a JSON body encoded with sorted keys, so the bytes are reproducible.
    public init<Body: Encodable>(_ method: Method, _ segments: [String], json body: Body, query: [(String, String)] = []) {
        self.init(method, segments, query: query, body: Self.encode(body))
    }

    /// Path plus query string, as it goes on the request line.
    public var target: String {
        guard !query.isEmpty else { return path }
        return path + "?" + query.map { Self.percentEncoded($0.0) + "=" + Self.percentEncoded($0.1) }.joined(separator: "&")
    }

    /// The body as text (for tests and error messages).
    public var bodyText: String? { body.map { String(decoding: $0, as: UTF8.self) } }

    public static func == (a: RestRequest, b: RestRequest) -> Bool {
        a.method == b.method && a.target == b.target && a.body == b.body
    }

    static func encode<Body: Encodable>(_ body: Body) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings, numbers and arrays cannot fail.
        return try! encoder.encode(body)
    }

    /// RFC 3986 unreserved characters pass; everything else is %XX-encoded per UTF-8 byte.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}

/// What came back: HTTP status, content type and body bytes.
public struct RestResponse: Sendable, Equatable {
    public var status: Int
    public var contentType: String?
    public var body: Data

    public init(status: Int, contentType: String? = nil, body: Data) {
        self.status = status; self.contentType = contentType; self.body = body
    }
}
