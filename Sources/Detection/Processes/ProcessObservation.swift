import Audit
import Capabilities

/// One process event as the events window shows it (`processes`): reduced to who, what and when. Not written to
/// the ledger — there is one per fork, exec and exit on the machine — only published.
public struct ProcessObservation: Sendable {
    public enum Kind: String, Sendable {
        case fork, exec, uid, gid, exit
    }

    public let kind: Kind
    public let time: Timestamp
    public let pid: Int32
    public var parent: Int32?
    /// exec: the process's real uid then; uid: the real and effective uid after the change (and before, if known).
    public var uid: (realBefore: UInt32?, effectiveBefore: UInt32?, real: UInt32, effective: UInt32)?
    public var gid: (real: UInt32, effective: UInt32)?
    public var agent: String?
    public var executable: String?
    public var argv: [String]?

    public init(
        kind: Kind, time: Timestamp, pid: Int32, parent: Int32? = nil,
        uid: (realBefore: UInt32?, effectiveBefore: UInt32?, real: UInt32, effective: UInt32)? = nil,
        gid: (real: UInt32, effective: UInt32)? = nil
    ) {
        self.kind = kind
        self.time = time
        self.pid = pid
        self.parent = parent
        self.uid = uid
        self.gid = gid
    }

    init(exec facts: ProcessFacts, agent: String?, _ time: Timestamp) {
        self.init(
            kind: .exec, time: time, pid: facts.pid, parent: facts.parent,
            uid: (nil, nil, facts.realUID, facts.effectiveUID))
        self.agent = agent
        executable = facts.executable
        argv = facts.argv?.arguments
    }

    /// The observation in a ledger entry's shape (never appended): event type `process`, agent the agent's name or
    /// `host`, action `process.<kind>` (fork, exec, uid, gid, exit), target the program or the pid.
    public var draft: AuditDraft {
        var details: [(key: String, value: JSONValue)] = [("pid", .integer(Int64(pid)))]
        if let parent { details.append(("ppid", .integer(Int64(parent)))) }
        if let uid {
            if let before = uid.realBefore { details.append(("uid_before", .integer(Int64(before)))) }
            if let before = uid.effectiveBefore { details.append(("euid_before", .integer(Int64(before)))) }
            details += [("uid", .integer(Int64(uid.real))), ("euid", .integer(Int64(uid.effective)))]
        }
        if let gid { details += [("gid", .integer(Int64(gid.real))), ("egid", .integer(Int64(gid.effective)))] }
        if let executable { details.append(("exe", .string(executable))) }
        if let argv { details.append(("argv", .array(argv.map { .string($0) }))) }
        return AuditDraft(
            eventType: .process, agent: agent ?? "host",
            action: "process.\(kind.rawValue)", target: executable ?? "pid \(pid)", result: .success,
            riskLevel: .low, details: .object(details))
    }
}
