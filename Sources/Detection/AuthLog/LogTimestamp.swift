import Capabilities

/// The timestamp at the start of a syslog line: RFC 3339 (rsyslog's default on Debian 12, journalctl's
/// `short-iso`: `2026-06-01T00:00:01.123456+00:00`, `…+0000`, `…Z`) or the classic BSD form (`Jun  1 00:00:01`),
/// which has no year and no zone: it is read as UTC in ``classicYear``.
struct LogTimestampParser {
    /// The year of classic timestamps; advanced by one when the month steps back from December to January.
    var classicYear: Int64
    private var lastClassicMonth: Int64 = 0

    init(classicYear: Int64) {
        self.classicYear = classicYear
    }

    /// Microseconds since the epoch and the index just after the timestamp, or nil when the line does not start
    /// with one.
    mutating func parse(_ line: ByteLine) -> (microseconds: Int64, end: Int)? {
        guard line.count >= 15 else { return nil }
        let first = line[0]
        if first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") { return Self.parseRFC3339(line) }
        return parseClassic(line)
    }

    static func parseRFC3339(_ line: ByteLine) -> (microseconds: Int64, end: Int)? {
        guard line.count >= 20, line[4] == UInt8(ascii: "-"), line[7] == UInt8(ascii: "-"),
            line[10] == UInt8(ascii: "T") || line[10] == UInt8(ascii: " "), line[13] == UInt8(ascii: ":"),
            line[16] == UInt8(ascii: ":"),
            let year = line.number(0, 4, limit: 9999), let month = line.number(5, 7, limit: 12),
            let day = line.number(8, 10, limit: 31), let hour = line.number(11, 13, limit: 23),
            let minute = line.number(14, 16, limit: 59), let second = line.number(17, 19, limit: 60),
            month >= 1, day >= 1, day <= Timestamp.daysIn(month: month, year: year)
        else { return nil }
        var index = 19
        var micros: Int64 = 0
        if index < line.count && line[index] == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
                if digits < 6 { micros = micros * 10 + Int64(line[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
            guard digits >= 1, digits <= 9 else { return nil }
            if digits < 6 { for _ in digits..<6 { micros *= 10 } }
        }
        guard index < line.count else { return nil }
        var offsetSeconds: Int64 = 0
        switch line[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = line[index] == UInt8(ascii: "+") ? 1 : -1
            let colon = index + 3 < line.count && line[index + 3] == UInt8(ascii: ":")
            let minuteStart = colon ? index + 4 : index + 3
            guard let hours = line.number(index + 1, index + 3, limit: 23),
                let minutes = line.number(minuteStart, minuteStart + 2, limit: 59)
            else { return nil }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
            index = minuteStart + 2
        default:
            return nil
        }
        let seconds =
            ((Timestamp.daysFromCivil(year: year, month: month, day: day) * 24 + hour) * 60 + minute) * 60 + second
        return ((seconds - offsetSeconds) * 1_000_000 + micros, index)
    }

    private mutating func parseClassic(_ line: ByteLine) -> (microseconds: Int64, end: Int)? {
        guard line[3] == UInt8(ascii: " "), line[6] == UInt8(ascii: " "), line[9] == UInt8(ascii: ":"),
            line[12] == UInt8(ascii: ":"), let month = Self.month(line),
            let day = line.number(line[4] == UInt8(ascii: " ") ? 5 : 4, 6, limit: 31),
            let hour = line.number(7, 9, limit: 23), let minute = line.number(10, 12, limit: 59),
            let second = line.number(13, 15, limit: 60), day >= 1
        else { return nil }
        if month == 1 && lastClassicMonth == 12 { classicYear += 1 }
        lastClassicMonth = month
        guard day <= Timestamp.daysIn(month: month, year: classicYear) else { return nil }
        let days = Timestamp.daysFromCivil(year: classicYear, month: month, day: day)
        return ((((days * 24 + hour) * 60 + minute) * 60 + second) * 1_000_000, 15)
    }

    private static let months: [StaticString] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    private static func month(_ line: ByteLine) -> Int64? {
        for (index, name) in months.enumerated() where line.matches(name, at: 0) { return Int64(index + 1) }
        return nil
    }
}
