import Audit
import Daemon
import Firewall
import GRPCCore

/// What the network page shows: the firewall's rules and blocks as the gRPC `ListFirewall` answers them, the
/// ledger's newest firewall changes, and the newest IDS alerts with their evidence.
struct NetworkData {
    let service: SecurityService
    let ledgerDirectory: String

    static let shownChanges = 20
    static let shownAlerts = 20

    func values(caller: Caller) async throws -> [String: Any] {
        var values: [String: Any] = [:]
        do {
            let state = try await service.listFirewall(caller: caller)
            values["firewall"] =
                [
                    "rules": state.rules.map { rule in
                        [
                            "id": rule.id, "summary": rule.summary, "author": rule.author, "reason": rule.reason,
                            "action": rule.action.rawValue,
                        ]
                    },
                    "hasRules": !state.rules.isEmpty,
                    "blocked": state.blocked.map { entry in
                        [
                            "address": entry.address.description, "reason": entry.reason ?? "–",
                            "remaining": "\(Int(max(0, entry.remaining / .seconds(1)))) s",
                        ]
                    },
                    "hasBlocked": !state.blocked.isEmpty,
                ] as [String: Any]
        } catch let error as RPCError where error.code == .failedPrecondition {
            values["noFirewall"] = error.message
        }
        let changes = try await newest(
            [("type", "policy_change"), ("target-prefix", "firewall:")], caller: caller, count: Self.shownChanges
        ) { _ in true }
        values["changes"] = changes.map(Self.change)
        values["hasChanges"] = !changes.isEmpty
        let alerts = try await newest([("type", "security_alert")], caller: caller, count: Self.shownAlerts) {
            $0.action.hasPrefix("ids.")
        }
        values["alerts"] = alerts.map(Self.alert)
        values["hasAlerts"] = !alerts.isEmpty
        return values
    }

    /// The newest `count` entries matching the filters and `keep`, from one bounded page of the ledger.
    private func newest(
        _ filters: [(name: String, value: String)], caller: Caller, count: Int, keep: (StoredEntry) -> Bool
    ) async throws -> [StoredEntry] {
        let query = try service.auditQuery(caller: caller, filters: filters)
        let reader = LedgerReader(directory: ledgerDirectory)
        do {
            let page = try await LedgerReads.run {
                try reader.page(matching: query, before: nil, limit: count * 5, budget: ConsoleRoutes.auditScanBudget)
            }
            return Array(page.entries.filter(keep).prefix(count))
        } catch {
            throw RPCError(code: .unavailable, message: "cannot read the ledger: \(error)")
        }
    }

    static func details(_ entry: StoredEntry) -> JSONValue? {
        (try? JSONParser.parse(entry.json))?["details"]
    }

    static func change(_ entry: StoredEntry) -> [String: Any] {
        let details = Self.details(entry)
        var values: [String: Any] = [
            "id": entry.id, "time": entry.timestamp.rfc3339, "by": entry.agent, "action": entry.action,
            "target": entry.target, "reason": details?["reason"]?.stringValue ?? "",
        ]
        // Only rule changes name a rule (a Mustache section shows for any string, the empty one too).
        if let rule = details?["rule"]?.stringValue { values["rule"] = rule }
        return values
    }

    static func alert(_ entry: StoredEntry) -> [String: Any] {
        let details = Self.details(entry)
        var evidence: [String] = []
        if case .array(let items)? = details?["evidence"] {
            evidence = items.map { $0.stringValue ?? $0.canonicalText }
        }
        return [
            "id": entry.id, "time": entry.timestamp.rfc3339, "rule": entry.action, "source": entry.target,
            "summary": details?["summary"]?.stringValue ?? "", "response": details?["response"]?.stringValue ?? "",
            "evidence": evidence.map { ["line": $0] }, "risk": entry.riskLevel,
        ]
    }
}
