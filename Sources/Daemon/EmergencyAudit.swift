import Audit
import Capabilities
import Emergency

/// The ledger entries of the emergency machinery (`emergency` kind): the stop, the kill after the freeze timeout,
/// each resume and each refused one.
enum EmergencyAudit {
    static func stop(_ report: EmergencyStopper.StopReport, requestedBy: String, reason: String) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [
            ("stop_id", .string(report.record.id)), ("reason", .string(reason)),
            ("stopped_by", .string(report.record.by)), ("since", .string(report.record.since)),
            ("new_stop", .bool(report.newStop)), ("agents_frozen", .integer(Int64(report.agentsFrozen))),
            ("tasks_killed", .integer(Int64(report.tasksKilled))),
            ("grants_suspended", .integer(Int64(report.grantsSuspended))),
            ("pending_denied", .integer(Int64(report.pendingDenied))),
            ("elapsed_microseconds", .integer(Int64(microseconds(report.elapsed)))),
            ("kill_at", report.killAt.map { .string($0.rfc3339) } ?? .null),
        ]
        if !report.problems.isEmpty { details.append(("problems", .array(report.problems.map(JSONValue.string)))) }
        return AuditDraft(
            eventType: .emergency, agent: requestedBy, action: "emergency_stop", target: "all agents",
            result: report.problems.isEmpty ? .success : .failure, riskLevel: .critical, details: .object(details))
    }

    static func killed(count: Int, reason: String, problem: String?) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [
            ("agents", .integer(Int64(count))), ("reason", .string(reason)),
        ]
        if let problem { details.append(("problem", .string(problem))) }
        return AuditDraft(
            eventType: .emergency, agent: "aios-sec", action: "emergency_kill", target: "all agents",
            result: problem == nil ? .success : .failure, riskLevel: .critical, details: .object(details))
    }

    static func resumed(by caller: String, operators: [String], agents: String, stopID: String, count: Int)
        -> AuditDraft
    {
        AuditDraft(
            eventType: .emergency, agent: caller, action: "resume", target: "all agents", result: .success,
            riskLevel: .critical,
            details: .object([
                ("stop_id", .string(stopID)), ("operators", .array(operators.map(JSONValue.string))),
                ("agents", .string(agents)), ("agents_resumed", .integer(Int64(count))),
            ]))
    }

    static func resumeRefused(by caller: String, reason: String, operators: [String]) -> AuditDraft {
        AuditDraft(
            eventType: .emergency, agent: caller, action: "resume", target: "all agents", result: .denied,
            riskLevel: .critical,
            details: .object([
                ("reason", .string(reason)), ("verified_operators", .array(operators.map(JSONValue.string))),
            ]))
    }

    static func challengeIssued(to caller: String, _ challenge: ResumeChallenge) -> AuditDraft {
        AuditDraft(
            eventType: .emergency, agent: caller, action: "resume_challenge", target: challenge.stopID,
            result: .success, riskLevel: .high,
            details: .object([
                ("nonce", .string(challenge.nonce)), ("state", .string(challenge.state)),
                ("expires_at", .string(challenge.expiresAt)),
            ]))
    }

    /// The daemon started in manual mode (the file from before, or the kernel command line).
    static func startedInManualMode(_ record: ManualModeRecord, source: String) -> AuditDraft {
        AuditDraft(
            eventType: .emergency, agent: "aios-sec", action: "manual_mode_at_start", target: "all agents",
            result: .success, riskLevel: .high,
            details: .object([
                ("stop_id", .string(record.id)), ("since", .string(record.since)), ("stopped_by", .string(record.by)),
                ("reason", .string(record.reason)), ("source", .string(source)),
            ]))
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    }
}
