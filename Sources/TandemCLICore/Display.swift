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
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute)):\(two(c.second))"
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
