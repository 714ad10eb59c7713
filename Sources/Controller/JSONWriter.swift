/// Writes JSON straight into a byte buffer. The big list views (30,000 resources) are rendered
/// with this instead of Codable: it is an order of magnitude faster and allocates once.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next value inside the current object/array needs a comma before it.
    private var needsComma = false

    public init(reservingCapacity: Int = 4096) { bytes.reserveCapacity(reservingCapacity) }

    /// Hands over what is written so far and goes on with an empty buffer of the same capacity,
    /// in the middle of the document (streamed answers).
    public mutating func takeBytes() -> [UInt8] {
        var taken: [UInt8] = []
        taken.reserveCapacity(bytes.capacity)
        swap(&taken, &bytes)
        return taken
    }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Writes `"name":` ; the value follows with one of the value functions.
    public mutating func key(_ name: String) {
        separate()
        writeString(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ s: String) { separate(); writeString(s); needsComma = true }
    public mutating func int(_ n: Int64) {
        separate()
        if n < 0 {
            bytes.append(UInt8(ascii: "-"))
            writeDigits(n == Int64.min ? UInt64(Int64.max) + 1 : UInt64(-n))
        } else {
            writeDigits(UInt64(n))
        }
        needsComma = true
    }
    public mutating func int(_ n: Int) { int(Int64(n)) }
    public mutating func uint(_ n: UInt64) { separate(); writeDigits(n); needsComma = true }

    /// Decimal digits without allocating a String (the views write hundreds of thousands).
    private mutating func writeDigits(_ value: UInt64) {
        if value < 10 { bytes.append(UInt8(ascii: "0") + UInt8(value)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { buf in
            while v > 0 { buf[count] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10; count += 1 }
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(buf[i]) }
        }
    }
    public mutating func double(_ d: Double) {
        separate()
        bytes.append(contentsOf: (d.isFinite ? String(d) : "null").utf8)
        needsComma = true
    }
    public mutating func bool(_ b: Bool) { separate(); bytes.append(contentsOf: (b ? "true" : "false").utf8); needsComma = true }
    public mutating func null() { separate(); bytes.append(contentsOf: "null".utf8); needsComma = true }

    // Shorthands for "key": value.
    public mutating func field(_ k: String, _ v: String) { key(k); string(v) }
    public mutating func field(_ k: String, _ v: String?) { key(k); if let v { string(v) } else { null() } }
    public mutating func field(_ k: String, _ v: Int) { key(k); int(v) }
    public mutating func field(_ k: String, _ v: Int64) { key(k); int(v) }
    public mutating func field(_ k: String, _ v: UInt64) { key(k); uint(v) }
    public mutating func field(_ k: String, _ v: Bool) { key(k); bool(v) }
    public mutating func field(_ k: String, strings: [String]) {
        key(k); beginArray(); for s in strings { string(s) }; endArray()
    }
    /// A string map with keys in sorted order, so output is stable.
    public mutating func field(_ k: String, map: [String: String]) {
        key(k); beginObject()
        if map.count == 1, let (mk, mv) = map.first {
            field(mk, mv)
        } else {
            for (mk, mv) in map.sorted(by: { $0.key < $1.key }) { field(mk, mv) }
        }
        endObject()
    }

    private mutating func separate() { if needsComma { bytes.append(UInt8(ascii: ",")) } }

    private mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        // Nearly every string (names, keys, UUIDs) needs no escaping: copy it in one go.
        let copied: Bool? = s.utf8.withContiguousStorageIfAvailable { utf8 in
            for b in utf8 where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if copied != true { writeEscaped(s) }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func writeEscaped(_ s: String) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: bytes.append(b)
            }
        }
    }
}
