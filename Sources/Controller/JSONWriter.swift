/// Writes JSON straight into a byte buffer. The big list views (30,000 resources, ~45 MiB) are
/// rendered with this instead of Codable. The buffer is written through a pointer: an Array's
/// uniqueness and capacity bookkeeping on each of millions of small appends was a fifth of the
/// view's time. Noncopyable, so the buffer has exactly one owner.
public struct JSONWriter: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes written so far.
    public private(set) var count = 0
    /// Whether the next value inside the current object/array needs a comma before it.
    private var needsComma = false

    public init(reservingCapacity: Int = 4096) {
        capacity = max(reservingCapacity, 64)
        base = .allocate(capacity: capacity)
    }

    deinit { base.deallocate() }

    /// A copy of what is written so far.
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Hands over what is written so far and goes on with an empty buffer, in the middle of
    /// the document (streamed answers).
    public mutating func takeBytes() -> [UInt8] {
        defer { count = 0 }
        return bytes
    }

    @inline(__always) private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always) private mutating func put(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    private mutating func put(_ p: UnsafeBufferPointer<UInt8>) {
        guard let from = p.baseAddress, p.count > 0 else { return }
        reserve(p.count)
        (base + count).update(from: from, count: p.count)
        count += p.count
    }

    private mutating func put(_ text: StaticString) {
        text.withUTF8Buffer { put($0) }
    }

    public mutating func beginObject() { separate(); put(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { put(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); put(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { put(UInt8(ascii: "]")); needsComma = true }

    /// Writes `"name":` ; the value follows with one of the value functions.
    public mutating func key(_ name: String) {
        separate()
        writeString(name)
        put(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ s: String) { separate(); writeString(s); needsComma = true }
    public mutating func int(_ n: Int64) {
        separate()
        if n < 0 {
            put(UInt8(ascii: "-"))
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
        if value < 10 { put(UInt8(ascii: "0") + UInt8(value)); return }
        var digitCount = 0
        var rest = value
        while rest > 0 { digitCount += 1; rest /= 10 }
        reserve(digitCount)
        var v = value
        var at = count + digitCount - 1
        while v > 0 { base[at] = UInt8(ascii: "0") + UInt8(v % 10); v /= 10; at -= 1 }
        count += digitCount
    }
    public mutating func double(_ d: Double) {
        separate()
        var text = d.isFinite ? String(d) : "null"
        text.withUTF8 { put($0) }
        needsComma = true
    }
    public mutating func bool(_ b: Bool) { separate(); put(b ? "true" : "false"); needsComma = true }
    public mutating func null() { separate(); put("null"); needsComma = true }

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

    private mutating func separate() { if needsComma { put(UInt8(ascii: ",")) } }

    private mutating func writeString(_ s: String) {
        // Nearly every string (names, keys, UUIDs) needs no escaping: copy it in one go.
        let copied: Bool? = s.utf8.withContiguousStorageIfAvailable { utf8 in
            for b in utf8 where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            reserve(utf8.count + 2)
            base[count] = UInt8(ascii: "\"")
            if let from = utf8.baseAddress { (base + count + 1).update(from: from, count: utf8.count) }
            base[count + 1 + utf8.count] = UInt8(ascii: "\"")
            count += utf8.count + 2
            return true
        }
        if copied != true { writeEscaped(s) }
    }

    private mutating func writeEscaped(_ s: String) {
        let hex: StaticString = "0123456789abcdef"
        put(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): put(UInt8(ascii: "\\")); put(b)
            case 0x0A: put("\\n")
            case 0x0D: put("\\r")
            case 0x09: put("\\t")
            case 0..<0x20:
                put("\\u00")
                put(hex.utf8Start[Int(b >> 4)])
                put(hex.utf8Start[Int(b & 0xF)])
            default: put(b)
            }
        }
        put(UInt8(ascii: "\""))
    }
}
