import Foundation
import Synchronization

/// What one peer, and all peers together, may hold of the daemon's connections, and for how long.
///
/// - `total`, `perSource`: connections open at once (a Unix-socket peer counts toward the total only: every local
///   client shares that "source"). IPv4 sources are single addresses; IPv6 sources are /64 prefixes (one host holds
///   a whole /64). A connection over a cap is closed as it is accepted, before any TLS.
/// - `handshakeTimeout`: a connection whose TLS handshake has not completed by then is closed.
/// - `idleTimeout`: a connection with no open call for this long is closed (gracefully: GOAWAY, then close).
/// - `keepaliveTime`, `keepaliveTimeout`: after this long without a byte from the peer the daemon pings; no answer
///   in time closes the connection.
/// - `silenceTimeout`: the backstop: after the handshake, a connection from which nothing at all arrived for this
///   long (a peer that ignores the pings and the GOAWAY) is closed at once.
public struct ConnectionLimits: Sendable, Hashable {
    public var total: Int
    public var perSource: Int
    public var handshakeTimeout: Duration
    public var idleTimeout: Duration
    public var keepaliveTime: Duration
    public var keepaliveTimeout: Duration

    public init(
        total: Int = 1024, perSource: Int = 128, handshakeTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(120), keepaliveTime: Duration = .seconds(60),
        keepaliveTimeout: Duration = .seconds(20)
    ) {
        self.total = total
        self.perSource = perSource
        self.handshakeTimeout = handshakeTimeout
        self.idleTimeout = idleTimeout
        self.keepaliveTime = keepaliveTime
        self.keepaliveTimeout = keepaliveTimeout
    }

    public var silenceTimeout: Duration { idleTimeout + keepaliveTime + keepaliveTimeout }

    /// These limits with the total lowered to what the process's descriptor limit leaves (after raising the soft
    /// limit to the hard one): the daemon must never run out of descriptors for its own files first.
    public func fittingDescriptorLimit(reserve: Int = 128) -> ConnectionLimits {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return self }
        if limit.rlim_cur < limit.rlim_max {
            var raised = rlimit(rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        var fitted = self
        let available = Int(clamping: limit.rlim_cur) - reserve
        fitted.total = max(1, min(total, available))
        fitted.perSource = min(perSource, fitted.total)
        return fitted
    }
}

/// The connections open now, per source and in total; shared by every event loop.
final class ConnectionCounts: Sendable {
    enum Refusal: String {
        case total = "total cap"
        case perSource = "per-source cap"
    }

    let limits: ConnectionLimits
    private let counts = Mutex<(total: Int, bySource: [String: Int])>((0, [:]))

    init(limits: ConnectionLimits) { self.limits = limits }

    /// Counts a new connection from `source` (nil: a Unix-socket peer), or says which cap refuses it.
    func admit(source: String?) -> Refusal? {
        counts.withLock { counts in
            guard counts.total < limits.total else { return .total }
            if let source {
                guard counts.bySource[source, default: 0] < limits.perSource else { return .perSource }
                counts.bySource[source, default: 0] += 1
            }
            counts.total += 1
            return nil
        }
    }

    func release(source: String?) {
        counts.withLock { counts in
            counts.total -= 1
            guard let source, let count = counts.bySource[source] else { return }
            counts.bySource[source] = count > 1 ? count - 1 : nil
        }
    }

    var open: Int { counts.withLock { $0.total } }
}
