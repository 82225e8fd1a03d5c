#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time: milliseconds since the Unix epoch, UTC.
///
/// Decisions take `now` as a value, never from a wall clock of their own, so they are deterministic and testable;
/// the daemon reads it from an injected ``SecurityClock``.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) {
        self.millisecondsSinceEpoch = millisecondsSinceEpoch
    }

    public static func seconds(_ seconds: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: seconds * 1000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    public func adding(_ duration: GrantDuration) -> Timestamp {
        let (sum, overflow) = millisecondsSinceEpoch.addingReportingOverflow(duration.milliseconds)
        return Timestamp(millisecondsSinceEpoch: overflow ? .max : sum)
    }

    /// RFC 3339, UTC, with milliseconds: `2024-01-01T12:34:56.789Z`.
    public var description: String { rfc3339 }

    public var rfc3339: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        writeRFC3339(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``rfc3339`` as ASCII bytes, without building a string (years 0 to 9999).
    public func writeRFC3339(to out: inout [UInt8]) {
        let (days, msOfDay) = floorDivide(millisecondsSinceEpoch, 86_400_000)
        let (year, month, day) = civilDate(fromDaysSinceEpoch: days)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        out.append(UInt8(ascii: "-"))
        digits(month, 2)
        out.append(UInt8(ascii: "-"))
        digits(day, 2)
        out.append(UInt8(ascii: "T"))
        digits(msOfDay / 3_600_000, 2)
        out.append(UInt8(ascii: ":"))
        digits(msOfDay / 60_000 % 60, 2)
        out.append(UInt8(ascii: ":"))
        digits(msOfDay / 1000 % 60, 2)
        out.append(UInt8(ascii: "."))
        digits(msOfDay % 1000, 3)
        out.append(UInt8(ascii: "Z"))
    }

    /// Days since 1970-01-01 (UTC): equal for two times on the same UTC day.
    public var dayNumber: Int64 { floorDivide(millisecondsSinceEpoch, 86_400_000).0 }
}

/// Where the current time comes from. Inject a manual clock in tests.
public protocol SecurityClock: Sendable {
    func now() -> Timestamp
}

/// The system's real-time clock.
public struct SystemClock: SecurityClock {
    public init() {}

    public func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(millisecondsSinceEpoch: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }
}

private func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
    let q = a / b
    let r = a % b
    return r < 0 ? (q - 1, r + b) : (q, r)
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `civil_from_days`).
private func civilDate(fromDaysSinceEpoch days: Int64) -> (Int64, Int64, Int64) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
}
