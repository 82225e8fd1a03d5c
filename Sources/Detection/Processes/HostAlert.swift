import Audit
import Capabilities

/// One finding of the host IDS about a process or the kernel, with its evidence. It becomes one `security_alert`
/// (action `ids.<rule>`), or a count in its key's window summary past the policy's number per window.
public struct HostAlert: Sendable {
    public enum Rule: String, Sendable, CaseIterable {
        /// A program ran inside an agent's cgroup that the agent's capabilities do not allow.
        case unexpectedExec = "unexpected_exec"
        /// A process runs a program whose file no name leads to any more (unlinked after the exec, a memfd).
        case deletedExecutable = "deleted_executable"
        /// A process runs a program from a file system mounted noexec.
        case noexecExecutable = "noexec_executable"
        /// A process started while the IDS ran has lived past the policy's limit outside every unit and agent.
        case unmanagedProcess = "unmanaged_process"
        /// A non-root process became root (uid), or a non-root process took gid 0.
        case uidZero = "uid_zero"
        case gidZero = "gid_zero"
        /// An agent's uid exec'd a setuid, setgid or file-capability program.
        case privilegedExec = "privileged_exec"
        case moduleLoaded = "module_loaded"
        case moduleUnloaded = "module_unloaded"
        /// An agent's seccomp filter refused a module call (init_module, finit_module, delete_module).
        case moduleLoadRefused = "module_load_refused"
    }

    public let rule: Rule
    public let time: Timestamp
    /// What the alert names: the agent, the program, the module.
    public let subject: String
    public let summary: String
    /// The agent whose process it is (by cgroup, else by uid), when any.
    public let agent: String?
    /// The agent cgroup the process runs in (below the hierarchy's root): what a freeze stops.
    public let cgroup: String?
    /// The evidence: pid, ppid, uids, argv, exe, cgroups, as the rule found them.
    public let evidence: [(key: String, value: JSONValue)]

    public init(
        rule: Rule, time: Timestamp, subject: String, summary: String, agent: String? = nil, cgroup: String? = nil,
        evidence: [(key: String, value: JSONValue)]
    ) {
        self.rule = rule
        self.time = time
        self.subject = subject
        self.summary = summary
        self.agent = agent
        self.cgroup = cgroup
        self.evidence = evidence
    }

    /// The aggregation key: one rule against one subject.
    var key: String { "\(rule.rawValue) \(subject)" }

    /// What was done about it.
    public enum Outcome: Hashable, Sendable {
        case alerted
        /// The agent's cgroups were frozen.
        case frozen
        case freezeFailed(String)
    }

    /// The audited `security_alert`.
    public func auditDraft(outcome: Outcome) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [
            ("rule", .string(rule.rawValue)), ("time", .string(time.rfc3339)), ("summary", .string(summary)),
        ]
        if let agent { details.append(("agent", .string(agent))) }
        details += evidence
        switch outcome {
        case .alerted: details.append(("response", .string("alert")))
        case .frozen: details.append(("response", .string("freeze")))
        case .freezeFailed(let error): details += [("response", .string("freeze")), ("error", .string(error))]
        }
        let failed = if case .freezeFailed = outcome { true } else { false }
        return AuditDraft(
            eventType: .securityAlert, agent: "aios-sec", action: "ids.\(rule.rawValue)", target: subject,
            result: failed ? .failure : .success, riskLevel: .high, details: .object(details))
    }
}

extension ProcessFacts {
    /// The evidence a process alert carries.
    func evidence(agent: String?) -> [(key: String, value: JSONValue)] {
        var evidence: [(key: String, value: JSONValue)] = [
            ("pid", .integer(Int64(pid))), ("ppid", .integer(Int64(parent))),
            ("uid", .integer(Int64(realUID))), ("euid", .integer(Int64(effectiveUID))),
            ("gid", .integer(Int64(realGID))), ("egid", .integer(Int64(effectiveGID))),
            ("exe", executable.map { .string($0) } ?? .null),
            ("argv", .array((argv?.arguments ?? []).map { .string($0) })),
            ("cgroup", .array(cgroups.map { .string($0) })),
        ]
        if argv?.truncated == true { evidence.append(("argv_truncated", .bool(true))) }
        if let file {
            evidence += [
                ("exe_deleted", .bool(file.deleted)), ("exe_noexec", .bool(file.onNoexecMount)),
                ("exe_setuid", .bool(file.setuid)), ("exe_setgid", .bool(file.setgid)),
                ("exe_capabilities", .bool(file.capabilities)), ("exe_owner", .integer(Int64(file.owner))),
            ]
        }
        return evidence
    }
}
