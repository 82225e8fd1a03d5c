import Capabilities

/// The AI analysis loop (`analysis:` in policy YAML): how often it looks, the local model and the keys its files
/// must be signed with, escalation to the Messages API, and the responses a verdict may ask for.
public struct AnalysisPolicy: Sendable, Equatable {
    /// A response the loop may carry out for a validated verdict (each through the Gate, as ``actor``).
    public enum Action: String, Sendable, Equatable, CaseIterable {
        case blockAddress = "block_address"
        case freezeAgent = "freeze_agent"
        case stopAgent = "stop_agent"
        case revokeGrant = "revoke_grant"
        case killTask = "kill_task"
        case raiseAlert = "raise_alert"
    }

    /// The local model's files and the keys whose signature makes them loadable.
    public struct Model: Sendable, Equatable {
        public var file: String
        public var manifest: String
        /// `ed25519:` followed by the base64 of a 32-byte public key.
        public var signers: [String]

        public init(file: String, manifest: String, signers: [String]) {
            self.file = file
            self.manifest = manifest
            self.signers = signers
        }
    }

    /// Where and how the loop asks Claude about a window the local model finds risky.
    public struct Escalation: Sendable, Equatable {
        /// `https://…`; `http://` only to a loopback address (a local stand-in).
        public var endpoint: String
        public var model: String
        /// The vault secret holding the API key.
        public var apiKeySecret: String
        public var callsPerHour: Int
        public var timeout: GrantDuration
        public var maxAttempts: Int
        public var maxTokens: Int

        public init(
            endpoint: String = "https://api.anthropic.com", model: String = "claude-sonnet-4-5",
            apiKeySecret: String = "anthropic-api-key", callsPerHour: Int = 20, timeout: GrantDuration = .seconds(30),
            maxAttempts: Int = 3, maxTokens: Int = 1_024
        ) {
            self.endpoint = endpoint
            self.model = model
            self.apiKeySecret = apiKeySecret
            self.callsPerHour = callsPerHour
            self.timeout = timeout
            self.maxAttempts = maxAttempts
            self.maxTokens = maxTokens
        }
    }

    public var interval: GrantDuration
    public var window: GrantDuration
    /// A window scoring above this is escalated.
    public var threshold: Double
    public var model: Model
    public var escalation: Escalation
    public var actions: [Action]
    /// The identity the loop's responses are decided as.
    public var actor: AgentName

    public init(
        interval: GrantDuration = .seconds(30), window: GrantDuration = .seconds(300), threshold: Double = 0.7,
        model: Model, escalation: Escalation = Escalation(), actions: [Action] = Action.allCases,
        actor: AgentName = AgentName("aios-agent-security")
    ) {
        self.interval = interval
        self.window = window
        self.threshold = threshold
        self.model = model
        self.escalation = escalation
        self.actions = actions
        self.actor = actor
    }

    /// Where `make install` puts the project's model.
    public static let installedModels = "/usr/local/share/aios-sec/models"

    /// The project's model-signing key (its private half is kept off every host) and where `make install` puts the
    /// model it signed.
    public static let `default` = AnalysisPolicy(
        model: Model(
            file: installedModels + "/risk-model.json", manifest: installedModels + "/risk-model.manifest.json",
            signers: ["ed25519:orN5JYdFyp+kjfETNZlKA/fd5DHhNlZs2vObVr7gYNo="]))
}
