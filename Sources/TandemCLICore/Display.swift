import Foundation
import TandemModel

/// Small formatting rules shared by the tables.
public enum Display {
    /// A size given in KiB (LINSTOR's unit) the way the linstor client prints it: "40 GiB",
    /// "108.55 MiB", "0 KiB".
    public static func kib(_ kib: Int64) -> String {
        guard kib > 0 else { return "0 KiB" }
        return ByteCount(UInt64(kib) * ByteCount.kibi).description
    }

    /// LINSTOR's "no limit" capacity (Long.MAX_VALUE, reported by diskless pools).
    public static let unlimitedKiB = Int64.max

    /// Milliseconds since the epoch as the linstor client shows CreatedOn: "2026-11-25 22:41:07"
    /// in the given time zone (the user's local zone in the CLI).
    public static func timestamp(milliseconds: Int64, timeZone: TimeZone) -> String {
        var formatter = TimestampFormatter(timeZone: timeZone)
        return formatter.text(milliseconds: milliseconds)
    }

    /// Formats many timestamps in one zone: the zone's UTC offset is looked up once per quarter
    /// hour (every zone's transitions fall on one), the fields are integer arithmetic.
    public struct TimestampFormatter {
        let timeZone: TimeZone
        var offsets: [Int64: Int] = [:]

        public init(timeZone: TimeZone) { self.timeZone = timeZone }

        public mutating func text(milliseconds: Int64) -> String {
            let quarter = milliseconds >= 0 ? milliseconds / 900_000 : (milliseconds + 1) / 900_000 - 1
            let offset: Int
            if let known = offsets[quarter] {
                offset = known
            } else {
                offset = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
                if offsets.count < 4096 { offsets[quarter] = offset }
            }
            return CivilTime(millisecondsSinceEpoch: milliseconds, offsetSeconds: offset).dateTimeText
        }
    }

    /// Colour for a DRBD-style disk or resource state: green when healthy, yellow while in
    /// transition or unknown, red when broken.
    public static func stateColor(_ state: String) -> TerminalStyle.Color {
        switch state {
        case "UpToDate", "Created", "Diskless", "TieBreaker", "Ok", "ok", "Online": return .green
        case "Failed", "DUnknown", "Error", "OFFLINE": return .red
        default: return state.hasPrefix("OFFLINE") ? .red : .yellow
        }
    }
}
