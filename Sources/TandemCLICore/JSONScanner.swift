/// A pull parser over the bytes of one JSON document. The large list replies (30,000 resources
/// are ~45 MiB) are read with it instead of JSONDecoder, which spends seconds building a key
/// table for every object: here each field is read straight into its value and everything the
/// CLI does not show is skipped. Strict: malformed JSON and wrong types are errors that say
/// where they are.
public struct JSONScanner {
    public struct Failure: Error, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    /// Deeper nesting than this is refused (LINSTOR's replies nest a handful of levels).
    public static let depthMax = 64

    let bytes: [UInt8]
    var i = 0
    var depth = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Runs `read` on the document's value and checks nothing but white space follows.
    public static func parse<T>(_ bytes: [UInt8], _ read: (inout JSONScanner) throws(Failure) -> T) throws(Failure) -> T {
        var s = JSONScanner(bytes)
        let value = try read(&s)
        s.skipSpace()
        guard s.i == s.bytes.count else { throw s.fail("unexpected text after the JSON value") }
        return value
    }

    func fail(_ reason: String) -> Failure { Failure(offset: i, reason: reason) }

    mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    /// The next significant byte, not consumed.
    mutating func peek() throws(Failure) -> UInt8 {
        skipSpace()
        guard i < bytes.count else { throw fail("unexpected end of the reply") }
        return bytes[i]
    }

    mutating func expect(_ c: UInt8, _ what: String) throws(Failure) {
        guard try peek() == c else { throw fail("expected \(what)") }
        i += 1
    }

    /// Consumes a `null` if one comes next.
    public mutating func skipNull() throws(Failure) -> Bool {
        guard try peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    mutating func literal(_ word: StaticString) throws(Failure) {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw fail("unexpected end of the reply") }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw fail("expected \(word)") }
        i += n
    }

    // MARK: containers

    /// Calls `field` with each key of an object; `field` must read (or `skip`) the value.
    public mutating func object(_ field: (inout JSONScanner, String) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "{"), "an object")
        depth += 1
        guard depth <= Self.depthMax else { throw fail("nesting deeper than \(Self.depthMax) levels") }
        if try peek() == UInt8(ascii: "}") { i += 1; depth -= 1; return }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"), "':' after a key")
            try field(&self, key)
            switch try peek() {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "}"): i += 1; depth -= 1; return
            default: throw fail("expected ',' or '}' in an object")
            }
        }
    }

    /// Calls `element` for each element of an array; `element` must read the value.
    public mutating func array(_ element: (inout JSONScanner) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "["), "an array")
        depth += 1
        guard depth <= Self.depthMax else { throw fail("nesting deeper than \(Self.depthMax) levels") }
        if try peek() == UInt8(ascii: "]") { i += 1; depth -= 1; return }
        while true {
            try element(&self)
            switch try peek() {
            case UInt8(ascii: ","): i += 1
            case UInt8(ascii: "]"): i += 1; depth -= 1; return
            default: throw fail("expected ',' or ']' in an array")
            }
        }
    }

    /// An array read element by element into values.
    public mutating func list<T>(_ element: (inout JSONScanner) throws(Failure) -> T) throws(Failure) -> [T] {
        var out: [T] = []
        try array { (s: inout JSONScanner) throws(Failure) in out.append(try element(&s)) }
        return out
    }

    /// An object whose values are all read the same way.
    public mutating func map<T>(_ value: (inout JSONScanner) throws(Failure) -> T) throws(Failure) -> [String: T] {
        var out: [String: T] = [:]
        try object { (s: inout JSONScanner, key: String) throws(Failure) in out[key] = try value(&s) }
        return out
    }

    /// `read`, or nil for a JSON null (Codable's decodeIfPresent).
    public mutating func optional<T>(_ read: (inout JSONScanner) throws(Failure) -> T) throws(Failure) -> T? {
        if try skipNull() { return nil }
        return try read(&self)
    }

    // MARK: scalars

    public mutating func string() throws(Failure) -> String {
        try expect(UInt8(ascii: "\""), "a string")
        let start = i
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                let text = bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<i]), as: UTF8.self) }
                i += 1
                return text
            }
            if b == UInt8(ascii: "\\") { i = start; return try escapedString() }
            if b < 0x20 { throw fail("control character in a string") }
            i += 1
        }
        throw fail("unterminated string")
    }

    /// The slow path for strings with escapes; `i` is just after the opening quote.
    mutating func escapedString() throws(Failure) -> String {
        var out: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            switch b {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard i < bytes.count else { throw fail("unterminated string") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        try literal("\\u")
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw fail("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
                }
            default:
                if b < 0x20 { throw fail("control character in a string") }
                out.append(b)
            }
        }
        throw fail("unterminated string")
    }

    mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("unexpected end of the reply") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw fail("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// The text of a number, validated by JSON's grammar.
    mutating func numberText() throws(Failure) -> ArraySlice<UInt8> {
        _ = try peek()
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let digitsStart = i
        while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
        guard i > digitsStart else { throw fail("expected a number") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            let f = i
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
            guard i > f else { throw fail("expected digits after '.'") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
            guard i > e else { throw fail("expected digits in the exponent") }
        }
        return bytes[start..<i]
    }

    public mutating func int64() throws(Failure) -> Int64 {
        let start = i
        let text = try numberText()
        // Plain digits (nearly always): accumulate with overflow checks.
        var value: Int64 = 0
        var negative = false
        var plain = true
        for b in text {
            if b == UInt8(ascii: "-") { negative = true; continue }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { plain = false; break }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.subtractingReportingOverflow(Int64(b - UInt8(ascii: "0")))
            guard !o1, !o2 else { i = start; throw fail("number out of range") }
            value = a
        }
        if plain {
            if negative { return value }
            guard value != .min else { i = start; throw fail("number out of range") }
            return -value
        }
        // 1.0 or 1e3 where a whole number is expected: accepted when exact, as Codable does.
        guard let d = Double(String(decoding: text, as: UTF8.self)), let v = Int64(exactly: d) else {
            i = start; throw fail("expected a whole number")
        }
        return v
    }

    public mutating func int() throws(Failure) -> Int {
        let start = i
        let v = try int64()
        guard let n = Int(exactly: v) else { i = start; throw fail("number out of range") }
        return n
    }

    public mutating func double() throws(Failure) -> Double {
        let start = i
        let text = try numberText()
        guard let v = Double(String(decoding: text, as: UTF8.self)) else { i = start; throw fail("expected a number") }
        return v
    }

    public mutating func bool() throws(Failure) -> Bool {
        switch try peek() {
        case UInt8(ascii: "t"): try literal("true"); return true
        case UInt8(ascii: "f"): try literal("false"); return false
        default: throw fail("expected true or false")
        }
    }

    /// Reads past any value (fields the CLI does not show).
    public mutating func skip() throws(Failure) {
        switch try peek() {
        case UInt8(ascii: "{"): try object { (s: inout JSONScanner, _: String) throws(Failure) in try s.skip() }
        case UInt8(ascii: "["): try array { (s: inout JSONScanner) throws(Failure) in try s.skip() }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try bool()
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try numberText()
        }
    }
}
