import Audit
import Capabilities

/// The ledger entries of human sessions: agent `human`, target `session/ID` (the kernel's audit session), so one
/// query (`--type human_command --target-prefix session/ID`) gives a session's every command, and the
/// `ssh.login` entry with the same target says who it was.
enum HumanDrafts {
    static func target(_ session: UInt32?) -> String { session.map { "session/\($0)" } ?? "session/unknown" }

    static func login(_ login: SSHLogin, session: UInt32?) -> AuditDraft {
        var details = loginDetails(login)
        if let session { details.append(("session_id", .integer(Int64(session)))) }
        let known = login.operatorName != nil && login.method == "publickey"
        return AuditDraft(
            eventType: .humanSession, agent: "human", action: "ssh.login", target: target(session), result: .success,
            riskLevel: known ? .medium : .high, details: .object(details))
    }

    static func sessionStart(_ info: HumanSessionInfo) -> AuditDraft {
        AuditDraft(
            eventType: .humanSession, agent: "human", action: "session.start", target: target(info.sessionID),
            result: .success, riskLevel: .medium, details: .object(sessionDetails(info)))
    }

    static func sessionEnd(_ info: HumanSessionInfo, now: Timestamp) -> AuditDraft {
        var details = sessionDetails(info)
        details += [
            ("commands", .integer(Int64(info.commands))), ("unread_commands", .integer(Int64(info.unreadCommands))),
            ("ended_at", .string(now.rfc3339)),
        ]
        return AuditDraft(
            eventType: .humanSession, agent: "human", action: "session.end", target: target(info.sessionID),
            result: .success, riskLevel: .low, details: .object(details))
    }

    /// `identity` nil: the process was gone before its `/proc` identity could be read; `argv` nil or empty: its
    /// argv was gone (recorded with what the event and the fork table gave).
    static func command(
        pid: Int32, session: UInt32, identity: ProcessSnapshot?, argv: BoundedArgv?, cwd: String?,
        identityChanged: Bool, login: SSHLogin?
    ) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [
            ("pid", .integer(Int64(pid))), ("session_id", .integer(Int64(session))),
        ]
        if let argv, !argv.arguments.isEmpty {
            details.append(("argv", .array(argv.arguments.map { .string($0) })))
            if argv.truncated { details.append(("argv_truncated", .bool(true))) }
        } else {
            details.append(("argv", .null))
            details.append(("argv_unknown", .string("the process ended before its argv could be read")))
        }
        if let identity {
            details += [("uid", .integer(Int64(identity.uid))), ("login_uid", .integer(Int64(identity.loginUID)))]
        }
        details.append(("cwd", cwd.map { .string(BoundedArgv.escape($0.utf8)) } ?? .null))
        if identityChanged {
            details.append(
                ("identity_changed", .string("its loginuid/sessionid no longer name the session it was forked in")))
        }
        if let login { details += [("operator", login.operatorName.map(JSONValue.string) ?? .null)] }
        let program = argv?.arguments.first ?? "unknown"
        return AuditDraft(
            eventType: .humanCommand, agent: "human", action: "exec", target: target(session), result: .success,
            riskLevel: identityChanged ? .high : .medium,
            details: .object([("program", .string(program))] + details))
    }

    /// Events lost before they could be recorded (a full queue, kernel drops): counted, never silent.
    static func lost(queue: Int, kernel: Int, overruns: Int) -> AuditDraft {
        AuditDraft(
            eventType: .humanCommand, agent: "human", action: "exec.lost", target: "session/unknown",
            result: .failure, riskLevel: .high,
            details: .object([
                ("dropped_from_queue", .integer(Int64(queue))), ("lost_by_kernel", .integer(Int64(kernel))),
                ("buffer_overruns", .integer(Int64(overruns))),
            ]))
    }

    private static func loginDetails(_ login: SSHLogin) -> [(key: String, value: JSONValue)] {
        var details: [(key: String, value: JSONValue)] = [
            ("user", .string(BoundedArgv.escape(login.user.utf8))),
            ("method", .string(BoundedArgv.escape(login.method.utf8))),
            ("source", .string(login.source.description)), ("port", .integer(Int64(login.port))),
            ("operator", login.operatorName.map(JSONValue.string) ?? .null),
            ("key_fingerprint", login.fingerprint.map { .string(BoundedArgv.escape($0.utf8)) } ?? .null),
            ("logged_at", .string(login.time.rfc3339)),
        ]
        if let type = login.keyType { details.append(("key_type", .string(BoundedArgv.escape(type.utf8)))) }
        if let pid = login.sshdPID { details.append(("sshd_pid", .integer(Int64(pid)))) }
        return details
    }

    private static func sessionDetails(_ info: HumanSessionInfo) -> [(key: String, value: JSONValue)] {
        var details: [(key: String, value: JSONValue)] = [
            ("session_id", .integer(Int64(info.sessionID))), ("login_uid", .integer(Int64(info.loginUID))),
            ("started_at", .string(info.startedAt.rfc3339)),
        ]
        if let leader = info.leader { details.append(("leader_pid", .integer(Int64(leader)))) }
        if let login = info.login { details += loginDetails(login) }
        return details
    }
}
