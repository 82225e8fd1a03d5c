import Audit
import Foundation
import Policy
import Synchronization

/// The firewall as the daemon and the CLI drive it: the desired state (policy + dynamic rules, kept in a state
/// file), applied to the kernel in one transaction per change, each change recorded as a `policy_change` entry
/// with who and why. Callers check capabilities (`firewall:*`, `net:*`) before calling; this type trusts them.
public final class FirewallController: Sendable {
    public let table: FirewallTable
    public let blocklist: Blocklist
    public let allowSets: AllowSets
    /// What the IDS must not block on spoofable evidence (DNS servers, gateways, learnt destinations).
    public let criticalAddresses: CriticalAddresses
    private let store: RuleStateFile
    private let record: @Sendable ([AuditDraft]) throws -> Void
    private let state: Mutex<FirewallRuleset>

    /// Loads the dynamic rules from `stateFile` (none if it does not exist). `record` writes audit entries (the
    /// daemon's ledger, or the CLI's); a change whose entry cannot be written is reported as an error.
    public init(
        policy: FirewallPolicy, nftables: Nftables, stateFile: String,
        record: @escaping @Sendable ([AuditDraft]) throws -> Void
    ) throws(FirewallError) {
        store = RuleStateFile(path: stateFile)
        let ruleset = FirewallRuleset(policy: policy, rules: try store.load())
        state = Mutex(ruleset)
        table = FirewallTable(nftables: nftables)
        blocklist = Blocklist(nftables: nftables)
        allowSets = AllowSets(
            nftables: nftables, grants: ruleset.nameGrants,
            minimumTTL: .milliseconds(policy.dns.minimumTTL.milliseconds))
        criticalAddresses = CriticalAddresses(policy: policy, allowSets: allowSets, thread: nftables.thread)
        self.record = record
    }

    /// The desired ruleset now.
    public var ruleset: FirewallRuleset { state.withLock { $0 } }

    /// The dynamic rules, in order.
    public func list() -> [FirewallRule] { ruleset.rules }

    /// The exact table an apply would load.
    public func render() -> String { RulesetRenderer.render(ruleset) }

    /// What an apply would change in the live table.
    public func diff() throws(FirewallError) -> TextDiff { try table.diff(ruleset) }

    /// Applies the desired state (at start, after a restart, or by hand), audited.
    public func apply(by actor: String, reason: String) throws(FirewallError) {
        let current = ruleset
        let carried = try table.apply(current)
        try audit(
            actor, action: "firewall.apply", target: "firewall:table:inet aios", reason: reason,
            details: [("rules", .number(Double(current.rules.count))), ("elements_kept", .number(Double(carried)))])
    }

    /// Adds an allow rule (see ``FirewallRule``); `id` nil picks the next free `rN`.
    @discardableResult
    public func allow(
        _ direction: FirewallRule.Direction, transport: FirewallRule.Transport, ports: [UInt16], peer: FirewallPeer,
        id: String? = nil, by actor: String, reason: String
    ) throws(FirewallError) -> FirewallRule {
        try add(.allow, direction, transport: transport, ports: ports, peer: peer, id: id, by: actor, reason: reason)
    }

    /// Adds a deny rule; it is checked before every accept, and cuts established flows too.
    @discardableResult
    public func deny(
        _ direction: FirewallRule.Direction, transport: FirewallRule.Transport, ports: [UInt16], peer: FirewallPeer,
        id: String? = nil, by actor: String, reason: String
    ) throws(FirewallError) -> FirewallRule {
        try add(.deny, direction, transport: transport, ports: ports, peer: peer, id: id, by: actor, reason: reason)
    }

    /// Removes a dynamic rule by id.
    @discardableResult
    public func remove(id: String, by actor: String, reason: String) throws(FirewallError) -> FirewallRule {
        let removed = try change(by: actor, reason: reason) { (rules: inout [FirewallRule]) throws(FirewallError) in
            guard let index = rules.firstIndex(where: { $0.id == id }) else {
                throw .notFound("no dynamic rule '\(id)' (see `aios-sec firewall list`)")
            }
            return rules.remove(at: index)
        }
        try audit(
            actor, action: "firewall.remove", target: "firewall:rule:\(id)", reason: reason,
            details: [("rule", .string(removed.summary))])
        return removed
    }

    /// Blocks `address` for `duration` (the kernel unblocks), audited.
    public func block(_ address: IPAddress, for duration: Duration, by actor: String, reason: String)
        throws(FirewallError)
    {
        try blocklist.block(address, for: duration, reason: reason)
        try audit(
            actor, action: "firewall.block", target: "firewall:address:\(address)", reason: reason,
            details: [("seconds", .number(Double(duration / .seconds(1))))])
    }

    /// Lifts a block now, audited.
    public func unblock(_ address: IPAddress, by actor: String, reason: String) throws(FirewallError) {
        try blocklist.unblock(address)
        try audit(actor, action: "firewall.unblock", target: "firewall:address:\(address)", reason: reason, details: [])
    }

    private func add(
        _ action: FirewallRule.Action, _ direction: FirewallRule.Direction, transport: FirewallRule.Transport,
        ports: [UInt16], peer: FirewallPeer, id: String?, by actor: String, reason: String
    ) throws(FirewallError) -> FirewallRule {
        let rule = try change(by: actor, reason: reason) { (rules: inout [FirewallRule]) throws(FirewallError) in
            let taken = Set(rules.map(\.id))
            let chosen = id ?? (1...).lazy.map { "r\($0)" }.first { !taken.contains($0) }!
            let rule = try FirewallRule(
                id: chosen, direction: direction, action: action, transport: transport, ports: ports, peer: peer,
                author: actor, reason: reason)
            guard !taken.contains(rule.id) else { throw .conflict("a rule with id '\(rule.id)' exists") }
            if let same = rules.first(where: { $0.meaning == rule.meaning }) {
                throw .conflict("rule '\(same.id)' already says this: \(same.summary)")
            }
            rules.append(rule)
            return rule
        }
        try audit(
            actor, action: "firewall.\(action.rawValue)", target: "firewall:rule:\(rule.id)", reason: reason,
            details: [("rule", .string(rule.summary))])
        return rule
    }

    /// Changes the rules, saves them and applies the result in one transaction; on any failure the previous
    /// rules stay, on disk and in the kernel.
    private func change<T>(by actor: String, reason: String, _ body: (inout [FirewallRule]) throws(FirewallError) -> T)
        throws(FirewallError) -> T
    {
        try state.withLock { (ruleset: inout FirewallRuleset) throws(FirewallError) -> T in
            var next = ruleset
            let result = try body(&next.rules)
            try store.save(next.rules)
            do throws(FirewallError) {
                try table.apply(next)
            } catch {
                try? store.save(ruleset.rules)
                throw error
            }
            ruleset = next
            allowSets.update(grants: next.nameGrants)
            return result
        }
    }

    private func audit(
        _ actor: String, action: String, target: String, reason: String, details: [(key: String, value: JSONValue)]
    ) throws(FirewallError) {
        let draft = AuditDraft(
            eventType: .policyChange, agent: actor, action: action, target: target, result: .success,
            riskLevel: .high, details: .object([("reason", .string(reason))] + details))
        do {
            try record([draft])
        } catch {
            throw .state("the change is applied but its audit entry could not be written: \(error)")
        }
    }
}
