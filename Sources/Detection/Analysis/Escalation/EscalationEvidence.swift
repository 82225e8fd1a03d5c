import Audit
import Policy

/// The targets a verdict may name: what the escalated events hold in *structured* fields.
///
/// An address counts when a `network_connection` or `security_alert` event's target has it as a whole word
/// (`1.2.3.4`, `1.2.3.4:22`, `[::1]:443`), or when a details member named for an address (`remote`, `local`,
/// `source`, `destination`, `address`, `peer`, `ip`, `src`, `dst`) holds exactly it. Agents are the events' `agent`
/// (and details `agent`), except the host's own principals; grants are `decided_by.grant_id` and details
/// `grant_id`; tasks are `task_id`, details `task_id` and a task record's `container` (what `kill_task` stops).
/// Free text — a log line, a file name, a process argument,
/// a header — never supplies a target, so text an attacker wrote cannot point a response at something new.
public struct EscalationEvidence: Sendable, Hashable {
    public private(set) var addresses: Set<IPAddress> = []
    public private(set) var agents: Set<String> = []
    public private(set) var grants: Set<String> = []
    public private(set) var tasks: Set<String> = []

    static let addressKeys: Set<String> = [
        "remote", "local", "source", "destination", "address", "peer", "ip", "src", "dst",
    ]
    /// Principals that appear as an event's agent but are not agents a response could freeze or stop.
    static let notAgents: Set<String> = ["", "host", "human", "aios-sec", "kernel", "system"]
    static let maximumLength = 256

    public init(events: [HostEvent]) {
        for event in events { add(event.entry) }
    }

    private mutating func add(_ entry: AuditEntry) {
        if !Self.notAgents.contains(entry.agent), entry.agent.count <= Self.maximumLength { agents.insert(entry.agent) }
        if let task = entry.draft.taskID, !task.isEmpty { tasks.insert(task) }
        if let grant = entry.draft.decidedBy?.grantID, !grant.isEmpty { grants.insert(grant) }
        if entry.eventType == .networkConnection || entry.eventType == .securityAlert {
            for word in entry.target.split(separator: " ") {
                if let address = Self.address(in: word) { addresses.insert(address) }
            }
        }
        guard case .object(let members) = entry.draft.details else { return }
        for member in members {
            guard let text = member.value.stringValue, !text.isEmpty, text.count <= Self.maximumLength else { continue }
            switch member.key {
            case let key where Self.addressKeys.contains(key):
                if let address = Self.address(in: Substring(text)) { addresses.insert(address) }
            case "agent": if !Self.notAgents.contains(text) { agents.insert(text) }
            case "grant_id": grants.insert(text)
            case "task_id", "container": tasks.insert(text)
            default: break
            }
        }
    }

    /// An address written alone, with a port (`a.b.c.d:p`), or bracketed with a port (`[v6]:p`).
    static func address(in word: Substring) -> IPAddress? {
        if let address = IPAddress(String(word)) { return address }
        if word.hasPrefix("["), let close = word.firstIndex(of: "]") {
            let rest = word[word.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isNumber)) else { return nil }
            return IPAddress(String(word[word.index(after: word.startIndex)..<close]))
        }
        if let colon = word.lastIndex(of: ":"), word.firstIndex(of: ":") == colon {
            let port = word[word.index(after: colon)...]
            guard !port.isEmpty, port.allSatisfy(\.isNumber) else { return nil }
            let address = IPAddress(String(word[..<colon]))
            return address?.isIPv4 == true ? address : nil
        }
        return nil
    }
}
