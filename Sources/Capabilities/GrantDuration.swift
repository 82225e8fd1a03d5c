/// How long a temporary grant lasts, written `10m`, `1h30m`, `90s`, `2d`.
///
/// Units `d`, `h`, `m`, `s`, each at most once and in that order; the total is positive and at most
/// ``maximum`` (a grant is temporary by nature; a longer one belongs in the role).
public struct GrantDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let milliseconds: Int64

    public static let maximum = GrantDuration(uncheckedMilliseconds: 366 * 86_400_000)

    init(uncheckedMilliseconds: Int64) {
        milliseconds = uncheckedMilliseconds
    }

    public static func seconds(_ seconds: Int64) -> GrantDuration {
        GrantDuration(uncheckedMilliseconds: seconds * 1000)
    }

    public static func < (lhs: GrantDuration, rhs: GrantDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Parses the written form; the error names the column and what is wrong.
    public init(parsing text: String) throws(GrantDurationError) {
        let units: [(Character, Int64)] = [("d", 86_400), ("h", 3600), ("m", 60), ("s", 1)]
        var total: Int64 = 0
        var number: Int64? = nil
        var nextUnit = 0
        var column = 0
        guard !text.isEmpty else { throw GrantDurationError(input: text, column: 1, reason: "empty duration") }
        for character in text {
            column += 1
            if let digit = character.wholeNumberValue, character.isASCII {
                let (times10, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (value, o2) = times10.addingReportingOverflow(Int64(digit))
                guard !o1, !o2, value <= 366 * 86_400 else {
                    throw GrantDurationError(input: text, column: column, reason: "number too large")
                }
                number = value
                continue
            }
            guard let unitIndex = units.firstIndex(where: { $0.0 == character }) else {
                throw GrantDurationError(
                    input: text, column: column, reason: "'\(character)' is not a unit (d, h, m, s)")
            }
            guard let value = number else {
                throw GrantDurationError(input: text, column: column, reason: "unit '\(character)' without a number")
            }
            guard unitIndex >= nextUnit else {
                throw GrantDurationError(
                    input: text, column: column, reason: "units must appear once, in order d h m s")
            }
            total += value * units[unitIndex].1
            guard total <= GrantDuration.maximum.milliseconds / 1000 else {
                throw GrantDurationError(input: text, column: column, reason: "longer than the maximum of 366d")
            }
            nextUnit = unitIndex + 1
            number = nil
        }
        guard number == nil else {
            throw GrantDurationError(input: text, column: column, reason: "number without a unit (d, h, m, s)")
        }
        guard total > 0 else { throw GrantDurationError(input: text, column: 1, reason: "duration must be positive") }
        milliseconds = total * 1000
    }

    /// Written form, largest units first: `1h30m`.
    public var description: String {
        var rest = milliseconds / 1000
        var out = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        let ms = milliseconds % 1000
        if ms != 0 || out.isEmpty { out += "\(ms)ms" }
        return out
    }
}

public struct GrantDurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let input: String
    public let column: Int
    public let reason: String

    public var description: String { "column \(column): \(reason) in duration '\(printable(input))'" }
}
