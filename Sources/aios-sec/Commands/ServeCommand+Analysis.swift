import Daemon
import Detection
import Guard
import Policy
import Secrets
import ServiceLifecycle

extension ServeCommand {
    /// With --analysis: the verified local model (or its recorded refusal), the escalation to the Messages API with
    /// the key read from the vault at each call (a rotated key is used at once, never kept in memory between calls),
    /// and the loop as a daemon service.
    func startAnalysis(
        policy: SecurityPolicy, core: DaemonCore, service: SecurityService, workers: Workers,
        vault: KeyringVault
    ) async throws -> (any Service)? {
        guard analysis, let status = workers.analysis else { return nil }
        let settings = policy.analysis
        status.update { $0.threshold = settings.threshold }
        let model = await AnalysisModel.load(
            policy: settings, core: core, reviews: workers.reviews, status: status)
        var escalator: Escalator? = nil
        if settings.escalation.callsPerHour > 0 {
            let secret = settings.escalation.apiKeySecret
            let apiKey: @Sendable () throws -> String = {
                try vault.read(secret).withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            }
            var allowed = Set(settings.actions.compactMap { ResponseActionKind(rawValue: $0.rawValue) })
            allowed.insert(.suggestEmergencyStop)
            escalator = try Escalator(
                settings: EscalationSettings(
                    endpoint: settings.escalation.endpoint, model: settings.escalation.model,
                    maxTokens: settings.escalation.maxTokens,
                    requestTimeout: .milliseconds(settings.escalation.timeout.milliseconds),
                    maxAttempts: settings.escalation.maxAttempts,
                    callsPerHour: settings.escalation.callsPerHour,
                    allowedActions: allowed, auditAgent: settings.actor.rawValue),
                apiKey: apiKey)
            let ready = (try? apiKey()).map { !$0.isEmpty } ?? false
            status.update {
                $0.escalationState =
                    ready
                    ? "ready"
                    : "no API key in the vault (secret \(secret)): risky windows are recorded and queued only"
            }
        } else {
            status.update { $0.escalationState = "off (analysis.escalation.calls_per_hour is 0)" }
        }
        let loop = try AnalysisLoop(
            core: core, service: service, policy: settings, model: model, escalator: escalator,
            reviews: workers.reviews, status: status)
        return AnalysisService(loop: loop)
    }
}
