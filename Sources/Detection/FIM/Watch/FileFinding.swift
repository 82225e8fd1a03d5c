import Audit
import Capabilities

/// What the watch concluded about one observed change, and the ledger entries or the observation it yields.
public struct FileFinding: Sendable {
    public enum Classification: Sendable, Equatable {
        /// Made by the Broker for an allowed call (recorded by the Broker as `auditID`).
        case authorized(auditID: String, agent: String)
        /// Made by anyone else: a `security_alert` and a `file_modification` entry.
        case unauthorized
        /// The path is as the baseline says (a write that changed nothing the rules compare).
        case noDifference
        /// Unauthorized, already reported in this state (a later event changed nothing new).
        case alreadyReported
    }

    /// Why an unauthorized change matters most.
    public enum Alert: String, Sendable {
        /// A file that is newly setuid, setgid or has file capabilities: a way to root.
        case privilegedFile = "fim.privileged_file"
        /// A write to the accounts, sudo, PAM, sshd, cron or systemd configuration.
        case privilegeEscalation = "fim.privilege_escalation"
        case unauthorizedChange = "fim.unauthorized_change"

        var risk: RiskLevel { self == .unauthorizedChange ? .high : .critical }
    }

    public let path: [UInt8]
    public let change: FileChange?
    public let classification: Classification
    public let alert: Alert?
    public let process: ProcessIdentity?
    public let source: WatchSource
    public let events: [String]

    /// The ledger's entries for an unauthorized change: the alert first, then the modification.
    public var ledgerDrafts: [AuditDraft] {
        guard classification == .unauthorized, let alert else { return [] }
        let evidence = self.evidence
        let summary = "\(change?.kind.rawValue ?? "changed") \(EscapedPath.text(path)) outside the Broker"
        return [
            AuditDraft(
                eventType: .securityAlert, agent: "aios-sec", action: alert.rawValue, target: EscapedPath.text(path),
                result: .success, riskLevel: alert.risk,
                details: .object([("summary", .string(summary))] + evidence)),
            AuditDraft(
                eventType: .fileModification, agent: process?.agentName ?? "host",
                action: "file.\(change?.kind.rawValue ?? "changed")", target: EscapedPath.text(path), result: .success,
                riskLevel: alert.risk,
                details: .object([("authorized", .bool(false)), ("alert", .string(alert.rawValue))] + evidence)),
        ]
    }

    /// The observation published (not recorded) for every other outcome.
    public var observation: AuditDraft? {
        guard classification != .unauthorized else { return nil }
        var details: [(key: String, value: JSONValue)] = evidence
        let agent: String
        switch classification {
        case .authorized(let auditID, let by):
            details = [("authorized", .bool(true)), ("audit_id", .string(auditID))] + details
            agent = by
        case .noDifference:
            details.insert(("classification", .string("no_difference")), at: 0)
            agent = process?.agentName ?? "host"
        case .alreadyReported, .unauthorized:
            details.insert(("classification", .string("already_reported")), at: 0)
            agent = process?.agentName ?? "host"
        }
        return AuditDraft(
            eventType: .fileModification, agent: agent, action: "file.\(change?.kind.rawValue ?? "observed")",
            target: EscapedPath.text(path), result: .success, riskLevel: .low, details: .object(details))
    }

    private var evidence: [(key: String, value: JSONValue)] {
        var members: [(key: String, value: JSONValue)] = [
            ("path", .string(EscapedPath.text(path))), ("source", .string(source.rawValue)),
            ("events", .array(events.map { .string($0) })),
        ]
        if let change {
            members.append(("change", .string(change.kind.rawValue)))
            members.append(
                (
                    "differences",
                    .array(
                        change.differences.map {
                            JSONValue.object([
                                ("attribute", .string($0.attribute)), ("old", .string($0.old)),
                                ("new", .string($0.new)),
                            ])
                        })
                ))
            if let link = change.hardLinkOf { members.append(("hard_link_of", .string(EscapedPath.text(link)))) }
        }
        members.append(("process", process?.json ?? .string("unknown")))
        return members
    }
}

/// The findings that come from files (issue 18, section 2).
enum FileFindings {
    /// Writes to these, or beneath these, are privilege-escalation alerts: accounts, sudo, PAM, sshd, cron,
    /// systemd units, the dynamic loader's preload list.
    static let privilegedPaths = [
        "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d", "/etc/pam.d",
        "/etc/pam.conf", "/etc/security", "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d", "/etc/crontab",
        "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
        "/var/spool/cron", "/etc/systemd/system", "/etc/systemd/user", "/usr/lib/systemd/system",
        "/usr/local/lib/systemd/system", "/etc/ld.so.preload",
    ]

    /// The alert an unauthorized change raises: a newly privileged file first, then a privileged path.
    static func alert(
        reference: FileRecord?, current: FileRecord?, path: [UInt8], privileged: [String]
    ) -> FileFinding.Alert {
        if let current, gainsPrivilege(reference: reference, current: current) { return .privilegedFile }
        if privileged.contains(where: { FIMPath.isWithin(path, Array($0.utf8)) }) { return .privilegeEscalation }
        return .unauthorizedChange
    }

    /// Setuid or setgid bits, or file capabilities, that the reference did not have (a new file with them too).
    static func gainsPrivilege(reference: FileRecord?, current: FileRecord) -> Bool {
        let bits = FileRecord.setuid | FileRecord.setgid
        let newBits = current.mode & bits & ~(reference?.mode ?? 0)
        let newCapabilities = current.capabilities != nil && current.capabilities != reference?.capabilities
        return current.kind == .regular && (newBits != 0 || newCapabilities)
    }
}
