import Audit
import Capabilities
import Detection
import Guard
import PKI
import Policy
import Synchronization

/// The security agent's loop, run by the daemon (`serve --analysis`): every interval the recent events are scored by
/// the local model; a window above the threshold is recorded, escalated to the Messages API, and a validated verdict
/// carried out through the Gate as the policy's actor (the security agent) — capabilities and confirmations apply as
/// to any call of that agent. Every step lands in the ledger and, where a person should look, in the review queue.
///
/// Without a verified model the loop scores nothing (the rule-based IDS keeps running; the refusal was recorded at
/// start). Without a usable API key or budget a risky window is still recorded and queued for review.
public final class AnalysisLoop: Sendable {
    let core: DaemonCore
    let service: SecurityService
    let policy: AnalysisPolicy
    let model: RiskModel?
    let escalator: Escalator?
    let reviews: ReviewQueue?
    let status: AnalysisStatus
    let actor: Caller
    /// The newest event of the last escalated window: a window with nothing newer is not escalated again (one
    /// attack is not sent ten times as its events slide through the window).
    private let escalatedUpTo = Mutex<Timestamp?>(nil)
    /// Responses waiting for a confirmation run beside the loop; at most this many at once.
    static let maximumResponsesInFlight = 16
    private let responsesInFlight = Mutex(0)

    public init(
        core: DaemonCore, service: SecurityService, policy: AnalysisPolicy, model: RiskModel?,
        escalator: Escalator?,
        reviews: ReviewQueue?, status: AnalysisStatus
    ) throws {
        self.core = core
        self.service = service
        self.policy = policy
        self.model = model
        self.escalator = escalator
        self.reviews = reviews
        self.status = status
        actor = Caller(
            identity: try SPIFFEID(kind: .agent, name: policy.actor.rawValue), serial: "analysis")
    }

    /// One pass over the window ending now.
    public func cycle() async {
        let now = core.clock.now()
        let since = Timestamp(
            millisecondsSinceEpoch: now.millisecondsSinceEpoch - policy.window.milliseconds)
        var events: [HostEvent] = []
        for kind in HostEventKind.allCases { events += core.events.events(kind, since: since).events }
        events.sort { $0.time < $1.time }
        guard let model else {
            status.update {
                $0.windows += 1
                $0.lastWindowAt = now
                $0.lastWindowEvents = events.count
            }
            return
        }
        let features = WindowFeatureExtractor.features(of: events)
        let score = model.score(features)
        status.update {
            $0.windows += 1
            $0.lastWindowAt = now
            $0.lastWindowEvents = events.count
            $0.lastScore = score
        }
        guard score > policy.threshold, let newest = events.last?.time else { return }
        let fresh = escalatedUpTo.withLock { last -> Bool in
            guard last.map({ newest > $0 }) ?? true else { return false }
            last = newest
            return true
        }
        guard fresh else { return }
        let leading = Self.leading(features)
        let risk = await record(
            AnalysisAudit.risk(score: score, events: events.count, features: leading, agent: policy))
        guard let escalator else {
            let summary = "risk \(Self.format(score)) over \(events.count) events (no escalation configured)"
            queue(.escalation, summary, [risk].compactMap { $0 })
            return
        }
        let result = await escalator.escalate(
            events: events, score: score,
            context: EscalationContext(threshold: policy.threshold, features: leading))
        var entries = [risk]
        for draft in result.apiCalls { entries.append(await record(draft)) }
        await handle(result.outcome, score: score, entries: entries.compactMap { $0 })
    }

    private func handle(_ outcome: EscalationOutcome, score: Double, entries: [String]) async {
        switch outcome {
        case .verdict(let verdict):
            status.update {
                $0.escalations += 1
                $0.escalationState = "ready"
            }
            let recorded = await record(AnalysisAudit.verdict(verdict, agent: policy))
            let ids = entries + [recorded].compactMap { $0 }
            queue(
                .escalation,
                "\(verdict.threat ? "threat" : "benign") (\(Self.format(verdict.confidence))): \(verdict.summary)",
                ids)
            guard verdict.threat else { return }
            for action in verdict.actions { respond(action, verdict: verdict, entries: ids) }
        case .rejected(let rejection):
            status.update { $0.escalationsRejected += 1 }
            let recorded = await record(AnalysisAudit.rejected(rejection, agent: policy))
            queue(
                .escalation, "answer rejected: \(rejection.reasons.prefix(3).joined(separator: "; "))",
                entries + [recorded].compactMap { $0 })
        case .failed(let reason):
            status.update {
                $0.escalationsFailed += 1
                $0.escalationState = "last escalation failed: \(reason)"
            }
            queue(.escalation, "risk \(Self.format(score)); escalation failed: \(reason)", entries)
        case .overBudget:
            status.update {
                $0.escalationsFailed += 1
                $0.escalationState = "budget of \(policy.escalation.callsPerHour) calls an hour spent"
            }
            queue(
                .escalation, "risk \(Self.format(score)); not escalated: the hour's budget is spent",
                entries)
        }
    }

    /// One action of a validated verdict, through the Gate as the actor. High-risk ones wait for a confirmation, so
    /// each runs beside the loop (bounded); the emergency stop is only ever suggested to people.
    private func respond(_ action: ResponseAction, verdict: ThreatVerdict, entries: [String]) {
        if case .suggestEmergencyStop(let reason) = action {
            queue(.suggestion, "emergency stop suggested by the analysis: \(reason)", entries)
            return
        }
        guard let call = AnalysisAudit.call(for: action, verdict: verdict) else { return }
        let admitted = responsesInFlight.withLock { count -> Bool in
            guard count < Self.maximumResponsesInFlight else { return false }
            count += 1
            return true
        }
        guard admitted else {
            queue(
                .refusedAction, "\(call.tool ?? "") \(action.target): too many responses in flight", entries
            )
            return
        }
        Task {
            defer { responsesInFlight.withLock { $0 -= 1 } }
            do {
                let done = try await service.execute(call, as: actor)
                let ids = entries + [done.decisionID, done.resultID].compactMap { $0 }
                var succeeded = false
                if case .success = done.result?.outcome { succeeded = true }
                let what = "\(call.tool ?? "") \(action.target)"
                queue(
                    succeeded ? .action : .refusedAction,
                    succeeded ? "\(what): done" : "\(what): \(Self.why(done))", ids)
            } catch {
                queue(.refusedAction, "\(call.tool ?? "") \(action.target): \(error)", entries)
            }
        }
    }

    private static func why(_ done: SecurityService.Execution) -> String {
        if case .failure(let failure) = done.result?.outcome { return failure.message }
        return "\(done.verdict.outcome): \(done.verdict.explanation)"
    }

    private func record(_ draft: AuditDraft) async -> String? {
        do {
            return try await core.ledger.append(draft).id
        } catch {
            await core.recordOrReport(draft)
            return nil
        }
    }

    private func queue(_ kind: ReviewItem.Kind, _ summary: String, _ entries: [String]) {
        guard let reviews else { return }
        do {
            try reviews.add(
                ReviewDraft(kind: kind, summary: summary, entryIDs: entries), at: core.clock.now())
        } catch {
            let draft = AuditDraft(
                eventType: .securityAlert, agent: "aios-sec", action: "review.refused",
                target: kind.rawValue,
                result: .failure, riskLevel: .medium, details: .object([("error", .string(error.message))]))
            Task { await core.recordOrReport(draft) }
        }
    }

    /// The features that drove the score, largest first (what the escalation's context names).
    static func leading(_ features: WindowFeatures) -> [(name: String, value: Double)] {
        zip(WindowFeatures.names, features.values).filter { $0.1 != 0 }.sorted { $0.1 > $1.1 }.prefix(
            12
        ).map {
            (name: $0.0, value: $0.1)
        }
    }

    static func format(_ value: Double) -> String {
        let hundredths = Int((min(max(value, 0), 1) * 100).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)"
    }
}
