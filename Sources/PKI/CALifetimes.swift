import Foundation

/// How long each kind of certificate lives, and when it is replaced.
public struct CALifetimes: Sendable {
    public var root: TimeInterval = 10 * 365 * 86_400
    /// A new intermediate takes over issuing after this long (the spec's 30-day rotation).
    public var intermediateRotation: TimeInterval = 30 * 86_400
    public var leafDefault: TimeInterval = 86_400
    public var leafMaximum: TimeInterval = 30 * 86_400
    /// Certificates start this far in the past, for clocks that run a little behind.
    public var backdate: TimeInterval = 300

    /// An intermediate stays valid long enough to cover the longest leaf it may issue on its last day.
    var intermediateValidity: TimeInterval { intermediateRotation + leafMaximum }

    public init() {}
}

/// When a holder renews: at 2/3 of its certificate's lifetime, moved by up to ±10 % of that point so that
/// many holders issued at once do not all renew at once.
public enum RenewalSchedule {
    public static func renewalTime(notBefore: Date, notAfter: Date, jitter: Double) -> Date {
        let lifetime = notAfter.timeIntervalSince(notBefore)
        let point = lifetime * 2 / 3
        return notBefore + point * (1 + 0.1 * max(-1, min(1, jitter)))
    }

    /// With random jitter.
    public static func renewalTime(notBefore: Date, notAfter: Date) -> Date {
        renewalTime(notBefore: notBefore, notAfter: notAfter, jitter: Double.random(in: -1...1))
    }
}
