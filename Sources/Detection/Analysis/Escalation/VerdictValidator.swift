import Audit
import Guard
import Policy

/// Why a model's answer was not taken: fixed phrases and schema paths, never the answer's own text.
public struct VerdictRejection: Error, Hashable, Sendable, CustomStringConvertible {
    public let reasons: [String]

    public init(_ reasons: [String]) {
        self.reasons = reasons
    }

    public var description: String { reasons.joined(separator: "; ") }
}

/// Turns a Messages API answer into a ``ThreatVerdict`` only when every check passes: exactly one `report_verdict`
/// tool call, its input matching ``VerdictTool/schema`` (no missing or extra member, right types and bounds), every
/// action of a kind policy allows, every target found in the escalated events (``EscalationEvidence``), and no
/// action on a verdict that sees no threat. Text blocks of the answer are never read; no free text becomes an action.
public struct VerdictValidator: Sendable {
    public let allowed: Set<ResponseActionKind>

    public init(allowed: Set<ResponseActionKind>) {
        self.allowed = allowed
    }

    /// Checks a whole Messages API response body.
    public func validate(response: JSONValue, evidence: EscalationEvidence) -> Result<ThreatVerdict, VerdictRejection> {
        guard case .array(let blocks) = response["content"] else {
            return .failure(VerdictRejection(["response has no content list"]))
        }
        if response["stop_reason"]?.stringValue == "max_tokens" {
            return .failure(VerdictRejection(["response cut at max_tokens"]))
        }
        let calls = blocks.filter { $0["type"]?.stringValue == "tool_use" }
        guard calls.count == 1, let call = calls.first else {
            return .failure(VerdictRejection(["expected exactly one tool call, found \(calls.count)"]))
        }
        guard call["name"]?.stringValue == VerdictTool.name, let input = call["input"] else {
            return .failure(VerdictRejection(["the tool call is not \(VerdictTool.name)"]))
        }
        return validate(toolInput: input, evidence: evidence)
    }

    /// Checks the verdict tool's input.
    public func validate(toolInput: JSONValue, evidence: EscalationEvidence) -> Result<ThreatVerdict, VerdictRejection>
    {
        let violations = VerdictTool.checker.violations(of: toolInput)
        guard violations.isEmpty else {
            return .failure(VerdictRejection(violations.map { "schema: \($0.description)" }))
        }
        guard case .bool(let threat) = toolInput["threat"], let summary = toolInput["summary"]?.stringValue,
            case .array(let items) = toolInput["actions"]
        else { return .failure(VerdictRejection(["schema: verdict members missing"])) }
        let confidence: Double
        switch toolInput["confidence"] {
        case .integer(let value): confidence = Double(value)
        case .number(let value): confidence = value
        default: return .failure(VerdictRejection(["schema: confidence missing"]))
        }
        var actions: [ResponseAction] = []
        var reasons: [String] = []
        for (index, item) in items.enumerated() {
            switch action(item, evidence: evidence) {
            case .success(let action): if !actions.contains(action) { actions.append(action) }
            case .failure(let reason): reasons.append("action \(index): \(reason)")
            }
        }
        if !threat && !actions.isEmpty { reasons.append("actions on a verdict that sees no threat") }
        guard reasons.isEmpty else { return .failure(VerdictRejection(reasons)) }
        return .success(ThreatVerdict(threat: threat, confidence: confidence, summary: summary, actions: actions))
    }

    private func action(_ item: JSONValue, evidence: EscalationEvidence) -> Result<ResponseAction, ActionRefusal> {
        guard let kindName = item["kind"]?.stringValue, let kind = ResponseActionKind(rawValue: kindName),
            let target = item["target"]?.stringValue
        else { return .failure(ActionRefusal("malformed")) }
        guard allowed.contains(kind) else {
            return .failure(ActionRefusal("\(kind.rawValue) is not allowed by policy"))
        }
        let missing = ActionRefusal("\(kind.rawValue) target is not in the escalated events")
        switch kind {
        case .blockAddress:
            guard let address = IPAddress(target), evidence.addresses.contains(address) else {
                return .failure(missing)
            }
            return .success(.blockAddress(address))
        case .freezeAgent, .stopAgent:
            guard evidence.agents.contains(target) else { return .failure(missing) }
            return .success(kind == .freezeAgent ? .freezeAgent(target) : .stopAgent(target))
        case .revokeGrant:
            guard evidence.grants.contains(target) else { return .failure(missing) }
            return .success(.revokeGrant(target))
        case .killTask:
            guard evidence.tasks.contains(target) else { return .failure(missing) }
            return .success(.killTask(target))
        case .raiseAlert: return .success(.raiseAlert(summary: target))
        case .suggestEmergencyStop: return .success(.suggestEmergencyStop(reason: target))
        }
    }
}

/// Why one action was refused (a fixed phrase naming the kind at most).
struct ActionRefusal: Error {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}

extension ActionRefusal: CustomStringConvertible {
    var description: String { reason }
}
