import Policy

/// The kinds of response an escalation's verdict may ask for; policy allows a subset (``EscalationSettings``).
public enum ResponseActionKind: String, CaseIterable, Hashable, Sendable {
    case blockAddress = "block_address"
    case freezeAgent = "freeze_agent"
    case stopAgent = "stop_agent"
    case revokeGrant = "revoke_grant"
    case killTask = "kill_task"
    case raiseAlert = "raise_alert"
    /// Never carried out: it is shown to humans, who decide on an emergency stop themselves.
    case suggestEmergencyStop = "suggest_emergency_stop"

    /// Whether the target must be something the escalated events name (an address, an agent, a grant, a task);
    /// false for the two kinds whose "target" is text for humans.
    public var targetsEvidence: Bool {
        switch self {
        case .raiseAlert, .suggestEmergencyStop: false
        default: true
        }
    }
}

/// A response a validated verdict asks for. Its target was found in the escalated events' structured fields
/// (``EscalationEvidence``); the caller still carries it out through the Gate as the security agent, so
/// capabilities and confirmations apply.
public enum ResponseAction: Hashable, Sendable {
    case blockAddress(IPAddress)
    case freezeAgent(String)
    case stopAgent(String)
    case revokeGrant(String)
    case killTask(String)
    /// An alert for humans; the summary is the model's text, bounded, shown as such.
    case raiseAlert(summary: String)
    /// A suggestion to humans; nothing stops automatically.
    case suggestEmergencyStop(reason: String)

    public var kind: ResponseActionKind {
        switch self {
        case .blockAddress: .blockAddress
        case .freezeAgent: .freezeAgent
        case .stopAgent: .stopAgent
        case .revokeGrant: .revokeGrant
        case .killTask: .killTask
        case .raiseAlert: .raiseAlert
        case .suggestEmergencyStop: .suggestEmergencyStop
        }
    }

    /// The target as text (an address, a name, an id, or the text for humans).
    public var target: String {
        switch self {
        case .blockAddress(let address): address.description
        case .freezeAgent(let name), .stopAgent(let name): name
        case .revokeGrant(let id), .killTask(let id): id
        case .raiseAlert(let text), .suggestEmergencyStop(let text): text
        }
    }
}

/// A verdict that passed ``VerdictValidator``: schema, allow-list and evidence checks.
public struct ThreatVerdict: Hashable, Sendable {
    public static let maximumSummaryLength = 1000
    public static let maximumActions = 8

    public let threat: Bool
    /// 0…1.
    public let confidence: Double
    /// The model's explanation, at most ``maximumSummaryLength`` characters: text for humans, never acted on.
    public let summary: String
    public let actions: [ResponseAction]
}
