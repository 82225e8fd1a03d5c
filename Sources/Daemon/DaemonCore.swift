import Audit
import Capabilities
import Detection
import Foundation
import PKI
import Policy

/// What every part of the running daemon shares.
public final class DaemonCore: Sendable {
    public let policy: SecurityPolicy
    public let authority: AuthorityStore
    public let gate: Gate
    public let ledger: Ledger
    public let ledgerDirectory: String
    public let emergency: EmergencySwitch
    public let denyList: DenyList
    public let clock: any SecurityClock
    public let startedAt: Timestamp
    /// What the ledger held when the daemon started (``Audit/Ledger/statistics`` counts this process's appends).
    public let ledgerEntriesAtStart: Int
    public let pending: PendingCalls
    /// The daemon's own state, out of every capability's reach (the Gate's deny, the Broker's masks).
    public let protected: ProtectedPaths
    /// Recent host events for the events API; the ledger's own entries of those kinds reach it as they commit.
    public let events: EventWindow
    public static let version = "0.4.0"

    /// `protected` defaults to the ledger directory and the system-wide paths; the daemon passes its whole state.
    /// The policy's grant ceilings are widened to exclude every protected path.
    public init(
        policy: SecurityPolicy, ledger: Ledger, ledgerDirectory: String, denyList: DenyList,
        clock: any SecurityClock = SystemClock(), limiter: RateLimiter? = nil,
        confirmationTimeout: Duration = .seconds(60), protected: ProtectedPaths? = nil
    ) {
        let protected =
            protected
            ?? ProtectedPaths(stateDirectory: ledgerDirectory, ledgerDirectory: ledgerDirectory, policyFile: nil)
        self.protected = protected
        let policy = policy.protecting(protected.paths)
        self.policy = policy
        self.ledger = ledger
        self.ledgerDirectory = ledgerDirectory
        self.denyList = denyList
        self.clock = clock
        let now = clock.now()
        startedAt = now
        ledgerEntriesAtStart = max(
            0, ((try? LedgerReader(directory: ledgerDirectory).count()) ?? 0) - ledger.statistics.entries)
        emergency = EmergencySwitch()
        authority = AuthorityStore(policy.authority(), now: now)
        gate = Gate.standard(
            policy: policy, authority: authority, emergency: emergency,
            limiter: limiter ?? RateLimiter(rate: policy.rateLimit.perSecond, burst: policy.rateLimit.burst),
            protected: protected)
        pending = PendingCalls(timeout: confirmationTimeout)
        let events = EventWindow(startedAt: now)
        self.events = events
        ledger.observeCommits { entries in
            for entry in entries { if let event = HostEvent(recorded: entry) { events.publish(event) } }
        }
    }

    /// Records an entry that no caller waits for (an expiry, a refused connection): a failure cannot refuse
    /// anything, so it is reported on standard error rather than dropped.
    public func recordOrReport(_ draft: AuditDraft) async {
        do {
            _ = try await ledger.append(draft)
        } catch {
            FileHandle.standardError.write(
                Data(
                    "aios-sec: the ledger could not record \(draft.eventType.rawValue) \(draft.action): \(error)\n".utf8
                ))
        }
    }

    /// Records an entry; a ledger that cannot write makes the caller's action fail (it must not happen unrecorded).
    func record(_ draft: AuditDraft) async throws -> AuditEntry {
        do {
            return try await ledger.append(draft)
        } catch {
            throw StatusMapping.ledgerUnavailable(error)
        }
    }
}
