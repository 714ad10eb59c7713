/// A point in time as calendar fields (proleptic Gregorian), computed with integer arithmetic.
/// The list views format one timestamp per row (30,000 rows at scale); Foundation's Calendar
/// and ISO8601DateFormatter cost microseconds each, this costs nanoseconds.
public struct CivilTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    /// `milliseconds` since the Unix epoch, in a zone `offsetSeconds` east of UTC.
    public init(millisecondsSinceEpoch milliseconds: Int64, offsetSeconds: Int = 0) {
        let local = milliseconds + Int64(offsetSeconds) * 1000
        let (seconds, milli) = Self.floorDivide(local, 1000)
        let (days, secondOfDay) = Self.floorDivide(seconds, 86_400)
        // Days since 1970-01-01 to a civil date (H. Hinnant's "civil_from_days"): eras of 400
        // years, years starting in March so the leap day ends the year.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let m = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        year = Int(yearOfEra + era * 400 + (m <= 2 ? 1 : 0))
        month = Int(m)
        day = Int(dayOfYear - (153 * monthFromMarch + 2) / 5 + 1)
        hour = Int(secondOfDay / 3600)
        minute = Int(secondOfDay % 3600 / 60)
        second = Int(secondOfDay % 60)
        millisecond = Int(milli)
    }

    /// "2026-11-25 22:41:07", as the linstor client shows CreatedOn.
    public var dateTimeText: String {
        "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2)) \(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2))"
    }

    /// "2026-11-25T22:41:07.123Z": RFC 3339 in UTC with milliseconds (create with offset 0).
    public var iso8601UTCText: String {
        "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)).\(Self.pad(millisecond, 3))Z"
    }

    static func pad(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}
