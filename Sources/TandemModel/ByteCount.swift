/// A number of bytes. Every size that crosses a module boundary is one of these, so a count of
/// KiB (LINSTOR's REST unit) can never be mistaken for a count of bytes.
public struct ByteCount: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64

    public init(_ rawValue: UInt64) { self.rawValue = rawValue }
    public init(bytes: UInt64) { self.rawValue = bytes }

    public static let kibi: UInt64 = 1024
    public static let mebi: UInt64 = 1024 * 1024
    public static let gibi: UInt64 = 1024 * 1024 * 1024
    public static let tebi: UInt64 = 1024 * 1024 * 1024 * 1024

    public static func kib(_ n: UInt64) -> ByteCount { ByteCount(n * kibi) }
    public static func mib(_ n: UInt64) -> ByteCount { ByteCount(n * mebi) }
    public static func gib(_ n: UInt64) -> ByteCount { ByteCount(n * gibi) }

    /// Whole KiB, rounded up: LINSTOR's REST API counts volume sizes in KiB.
    public var kibRoundedUp: UInt64 { (rawValue + ByteCount.kibi - 1) / ByteCount.kibi }

    public static func < (a: ByteCount, b: ByteCount) -> Bool { a.rawValue < b.rawValue }

    /// Human form as the linstor CLI prints it: "40 GiB", "108.55 MiB", "512 B".
    public var description: String {
        let units: [(String, UInt64)] = [("PiB", 1 << 50), ("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        for (name, scale) in units where rawValue >= scale {
            if rawValue % scale == 0 { return "\(rawValue / scale) \(name)" }
            // Two decimals, computed in integers so the output never depends on float formatting.
            let hundredths = (rawValue * 100 + scale / 2) / scale
            let whole = hundredths / 100, frac = hundredths % 100
            return frac == 0 ? "\(whole) \(name)" : "\(whole).\(frac < 10 ? "0" : "")\(frac) \(name)"
        }
        return "\(rawValue) B"
    }
}

/// Why a size given by a person could not be read.
public struct SizeParseError: Error, Equatable, CustomStringConvertible, Sendable {
    public let input: String
    public let reason: String
    public var description: String { "invalid size '\(input)': \(reason)" }
}

extension ByteCount {
    /// Units accepted after a number, as the linstor CLI accepts them. K, M, G, T, P and their
    /// KiB … PiB forms are powers of 1024; KB, MB, GB, TB, PB are powers of 1000; B is bytes.
    static let unitScales: [String: UInt64] = [
        "b": 1,
        "k": 1 << 10, "kib": 1 << 10, "kb": 1_000,
        "m": 1 << 20, "mib": 1 << 20, "mb": 1_000_000,
        "g": 1 << 30, "gib": 1 << 30, "gb": 1_000_000_000,
        "t": 1 << 40, "tib": 1 << 40, "tb": 1_000_000_000_000,
        "p": 1 << 50, "pib": 1 << 50, "pb": 1_000_000_000_000_000,
    ]

    /// Parses "40G", "40 GiB", "512M", "1.5T", "4096" (in `defaultUnit`, GiB for volume sizes as
    /// in `linstor volume-definition create`). Fractions are allowed with a unit and must come out
    /// to whole bytes after scaling, rounded down to the byte.
    public static func parse(_ text: String, defaultUnit: UInt64 = ByteCount.gibi) throws(SizeParseError) -> ByteCount {
        let trimmed = text.trimmingSpaces()
        guard !trimmed.isEmpty else { throw SizeParseError(input: text, reason: "it is empty") }
        var numberPart = "", unitPart = ""
        for ch in trimmed {
            if unitPart.isEmpty, ch.isASCII, ch.isNumber || ch == "." { numberPart.append(ch) } else if ch != " " { unitPart.append(ch) }
        }
        guard !numberPart.isEmpty else { throw SizeParseError(input: text, reason: "it does not start with a number") }
        let scale: UInt64
        if unitPart.isEmpty {
            scale = defaultUnit
        } else if let s = unitScales[unitPart.lowercased()] {
            scale = s
        } else {
            throw SizeParseError(input: text, reason: "unknown unit '\(unitPart)'; use K, M, G, T (or KiB, MiB, GiB, TiB; KB, MB, GB, TB for powers of 1000)")
        }
        let pieces = numberPart.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let wholeDigits = pieces.first, !wholeDigits.isEmpty || pieces.count == 2 else {
            throw SizeParseError(input: text, reason: "'\(numberPart)' is not a number")
        }
        let whole = wholeDigits.isEmpty ? 0 : UInt64(wholeDigits)
        guard let whole else { throw SizeParseError(input: text, reason: "the number is too large") }
        let (scaledWhole, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { throw SizeParseError(input: text, reason: "the size is too large") }
        var total = scaledWhole
        if pieces.count == 2 {
            let fracDigits = pieces[1].prefix(12)
            guard !fracDigits.isEmpty, let frac = UInt64(fracDigits) else {
                throw SizeParseError(input: text, reason: "'\(numberPart)' is not a number")
            }
            var denominator: UInt64 = 1
            for _ in 0..<fracDigits.count { denominator *= 10 }
            // frac/denominator * scale, without overflow for scales up to PiB and 12 digits.
            let fracBytes = (Double(frac) / Double(denominator)) * Double(scale)
            let (sum, o2) = total.addingReportingOverflow(UInt64(fracBytes))
            guard !o2 else { throw SizeParseError(input: text, reason: "the size is too large") }
            total = sum
        }
        return ByteCount(total)
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
