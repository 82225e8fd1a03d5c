import Audit
import Capabilities

/// The state of human sessions, fed the kernel's process events and sshd's logins, and turning them into
/// `human_session` and `human_command` drafts. Not thread-safe (``HumanSessionRecorder`` holds it under a lock).
///
/// Attribution: a process belongs to session S when the kernel says so — `/proc/PID/sessionid` read at its exec —
/// or when its parent did at its fork (the fork events keep a table of every process of every live session).
/// The table is what still names the session of a process that exec'd and exited before `/proc` could be read
/// (recorded with its argv unknown), and of one that rewrote its own `loginuid` (root can, unless the audit
/// system made it immutable): the table wins, and the change is recorded. Processes whose `loginuid` is unset
/// (services, agents) are no one's session and are never looked at again.
public struct HumanSessionTracker: Sendable {
    public struct Limits: Sendable, Hashable {
        /// Processes of live sessions tracked by pid (past it, a process is attributed by `/proc` only).
        public var processes = 65_536
        public var sessions = 4096
        /// Logins waiting for their session's first process.
        public var pendingLogins = 1024

        public init() {}
    }

    let keys: OperatorKeys
    let source: any ProcessSource
    let limits: Limits
    public private(set) var sessions: [UInt32: HumanSessionInfo] = [:]
    private var tracked: [Int32: UInt32] = [:]
    private var leaders: [Int32: UInt32] = [:]
    private var pendingLogins: [Int32: SSHLogin] = [:]
    /// Processes not tracked because the table was full.
    public private(set) var untracked = 0

    public init(keys: OperatorKeys, source: any ProcessSource, limits: Limits = Limits()) {
        self.keys = keys
        self.source = source
        self.limits = limits
    }

    public mutating func observe(_ event: ProcEvent, now: Timestamp) -> [AuditDraft] {
        switch event.kind {
        case .fork(let parent, let child):
            if let session = tracked[parent] { track(child, session) }
            return []
        case .exec(let pid):
            return exec(pid, now: now)
        case .exit(let pid):
            tracked.removeValue(forKey: pid)
            pendingLogins.removeValue(forKey: pid)
            guard let session = leaders.removeValue(forKey: pid), let info = sessions.removeValue(forKey: session)
            else { return [] }
            return [HumanDrafts.sessionEnd(info, now: now)]
        case .uid, .gid, .acknowledgement, .other:
            return []
        }
    }

    /// One of sshd's events (only `Accepted …` lines matter): the login is recorded at once, and bound to its
    /// session — now, when sshd's process already is in one, or when the session's first process appears.
    public mutating func observe(_ event: SSHDEvent, now: Timestamp) -> [AuditDraft] {
        guard event.kind == .accepted, let accepted = event.login else { return [] }
        let login = SSHLogin(
            user: accepted.user, method: accepted.method, keyType: accepted.keyType,
            fingerprint: accepted.fingerprint,
            operatorName: accepted.fingerprint.flatMap { keys.operator(fingerprint: $0) },
            source: event.source, port: event.port, sshdPID: event.pid, time: event.time)
        var session: UInt32? = nil
        var drafts: [AuditDraft] = []
        if let pid = event.pid {
            session = leaders[pid]
            if session == nil, let identity = source.identity(of: pid), identity.isLogin {
                session = identity.sessionID
                if sessions[identity.sessionID] == nil {
                    drafts += begin(identity.sessionID, loginUID: identity.loginUID, leader: pid, now: now)
                }
            }
            if session == nil, pendingLogins.count < limits.pendingLogins { pendingLogins[pid] = login }
        }
        if let session { sessions[session]?.login = login }
        return [HumanDrafts.login(login, session: session)] + drafts
    }

    private static let unknownIdentity = ProcessSnapshot(
        loginUID: ProcessSnapshot.unset, sessionID: ProcessSnapshot.unset, parent: 0, uid: 0)

    private mutating func exec(_ pid: Int32, now: Timestamp) -> [AuditDraft] {
        let known = tracked[pid]
        // argv is what perishes first (a short program exits within a millisecond): for a process the fork table
        // already gives to a session, it is read before anything else.
        let early = known.map { _ in source.details(of: pid, identity: Self.unknownIdentity) }
        let identity = source.identity(of: pid)
        guard let session = known ?? identity.flatMap({ $0.isLogin ? $0.sessionID : nil }) else { return [] }
        var drafts: [AuditDraft] = []
        if sessions[session] == nil {
            drafts += begin(
                session, loginUID: identity?.loginUID ?? ProcessSnapshot.unset, from: pid, identity, now: now)
        }
        track(pid, session)
        let details = early ?? identity.map { source.details(of: pid, identity: $0) }
        sessions[session]?.commands += 1
        if details?.argv?.arguments.isEmpty ?? true { sessions[session]?.unreadCommands += 1 }
        let changed = identity.map { !$0.isLogin || $0.sessionID != session } ?? false
        drafts.append(
            HumanDrafts.command(
                pid: pid, session: session, identity: identity, argv: details?.argv, cwd: details?.cwd,
                identityChanged: changed, login: sessions[session]?.login))
        return drafts
    }

    /// A session seen for the first time at `pid`'s exec: its leader is the topmost ancestor in the same session
    /// (sshd's process for an SSH login), found through `/proc` while they live.
    private mutating func begin(
        _ session: UInt32, loginUID: UInt32, from pid: Int32, _ identity: ProcessSnapshot?, now: Timestamp
    ) -> [AuditDraft] {
        var leader = pid
        var parent = identity?.parent ?? 0
        for _ in 0..<64 where parent > 1 {
            guard let above = source.identity(of: parent), above.isLogin, above.sessionID == session else { break }
            track(parent, session)
            leader = parent
            parent = above.parent
        }
        return begin(session, loginUID: loginUID, leader: identity == nil ? nil : leader, now: now)
    }

    private mutating func begin(_ session: UInt32, loginUID: UInt32, leader: Int32?, now: Timestamp) -> [AuditDraft] {
        guard sessions.count < limits.sessions else { return [] }
        var info = HumanSessionInfo(sessionID: session, loginUID: loginUID, leader: leader, startedAt: now)
        if let leader {
            leaders[leader] = session
            track(leader, session)
            info.login = pendingLogins.removeValue(forKey: leader)
        }
        sessions[session] = info
        return [HumanDrafts.sessionStart(info)]
    }

    private mutating func track(_ pid: Int32, _ session: UInt32) {
        guard tracked[pid] == nil else {
            tracked[pid] = session
            return
        }
        guard tracked.count < limits.processes else {
            untracked += 1
            return
        }
        tracked[pid] = session
    }
}
