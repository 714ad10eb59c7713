/// Parsing of the tables lvm2 and zfs print for scripts: lvm2 with `--noheadings --units b
/// --nosuffix --separator ';'` (fields padded with blanks on the left, empty fields kept), zfs
/// with `-Hp` (one tab between fields, exact numbers).
enum ToolTable {
    /// The separator passed to lvm2 reports; LV and VG names cannot contain it.
    static let lvmSeparator = ";"

    /// Rows of `separator`-separated fields with surrounding blanks trimmed; empty fields are
    /// kept (lvm2 prints data_percent empty for a volume that is not thin), blank lines dropped.
    static func rows(_ text: String, separator: Character) -> [[String]] {
        text.split(whereSeparator: \.isNewline)
            .filter { !$0.allSatisfy(\.isWhitespace) }
            .map { line in
                line.split(separator: separator, omittingEmptySubsequences: false)
                    .map { String($0.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
            }
    }

    /// Rows of whitespace-separated fields, blank lines dropped.
    static func rows(_ text: String) -> [[String]] {
        text.split(whereSeparator: \.isNewline)
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
            .filter { !$0.isEmpty }
    }

    /// A byte count as lvm2 prints it with --units b --nosuffix ("104857600", sometimes "104857600.00").
    static func bytes(_ field: String) -> UInt64? {
        if let n = UInt64(field) { return n }
        guard let d = Double(field), d >= 0, d < 1.8e19 else { return nil }
        return UInt64(d)
    }

    /// lvm2's data_percent ("12.50"); nil when empty (a volume that is not thin).
    static func percent(_ field: String?) -> Double? {
        guard let field, let d = Double(field), d >= 0 else { return nil }
        return min(d, 100)
    }
}
