import Foundation
import Testing
@testable import TandemModel

@Suite("calendar fields from epoch milliseconds")
struct CivilTimeTests {
    @Test("known instants, leap days and the epoch")
    func knownInstants() {
        #expect(CivilTime(millisecondsSinceEpoch: 0).iso8601UTCText == "1970-01-01T00:00:00.000Z")
        #expect(CivilTime(millisecondsSinceEpoch: 951_782_400_000).dateTimeText == "2000-02-29 00:00:00")
        #expect(CivilTime(millisecondsSinceEpoch: 1_623_230_527_247, offsetSeconds: 7200).dateTimeText == "2021-06-09 11:22:07")
        #expect(CivilTime(millisecondsSinceEpoch: 1_798_761_599_999).iso8601UTCText == "2026-12-31T23:59:59.999Z")
        #expect(CivilTime(millisecondsSinceEpoch: -1).iso8601UTCText == "1969-12-31T23:59:59.999Z")
    }

    @Test("agrees with Foundation's Gregorian calendar over four centuries")
    func agreesWithCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            // 1800 to 2200, any millisecond.
            let ms = Int64.random(in: -5_364_662_400_000...7_258_118_400_000, using: &rng)
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                            from: Date(timeIntervalSince1970: Double(ms) / 1000))
            let t = CivilTime(millisecondsSinceEpoch: ms)
            #expect([t.year, t.month, t.day, t.hour, t.minute, t.second] == [c.year, c.month, c.day, c.hour, c.minute, c.second], "at \(ms) ms")
        }
    }
}
