import Audit
import Crypto
import Detection
import Guard
import Policy
import ServiceLifecycle

/// The analysis loop as a daemon service: a cycle every interval until shutdown.
public struct AnalysisService: Service {
    let loop: AnalysisLoop

    public init(loop: AnalysisLoop) { self.loop = loop }

    public func run() async throws {
        loop.status.update { $0.running = true }
        let interval = Duration.milliseconds(loop.policy.interval.milliseconds)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await loop.cycle()
                try? await Task.sleep(for: interval)
            }
        }
        loop.status.update { $0.running = false }
        await loop.escalator?.shutdown()
    }
}

/// Loading the local model: only files matching a manifest signed by a key the policy pins.
public enum AnalysisModel {
    /// The verified model, or nil after recording why it was refused (a `security_alert`, and a review item):
    /// the daemon then runs the rule-based IDS alone.
    public static func load(
        policy: AnalysisPolicy, core: DaemonCore, reviews: ReviewQueue?, status: AnalysisStatus
    ) async -> RiskModel? {
        do {
            let (model, verified) = try verifiedModel(policy)
            status.update {
                $0.modelState = "verified"
                $0.modelIdentifier = model.identifier
            }
            await core.recordOrReport(
                AuditDraft(
                    eventType: .policyChange, agent: "aios-sec", action: "analysis.model_load", target: verified.name,
                    result: .success, riskLevel: .low,
                    details: .object([
                        ("model", .string(model.identifier)), ("sha256", .string(verified.sha256)),
                        ("signer", .string(verified.signer)),
                    ])))
            return model
        } catch {
            status.update { $0.modelState = "refused: \(error.message)" }
            let draft = AuditDraft(
                eventType: .securityAlert, agent: "aios-sec", action: "analysis.model_refused",
                target: policy.model.file, result: .denied, riskLevel: .high,
                details: .object([
                    ("reason", .string(error.message)), ("manifest", .string(policy.model.manifest)),
                    ("fallback", .string("rule-based IDS only")),
                ]))
            let entry = try? await core.ledger.append(draft)
            _ = try? reviews?.add(
                ReviewDraft(
                    kind: .model, summary: "model refused: \(error.message)",
                    entryIDs: [entry?.id].compactMap { $0 }),
                at: core.clock.now())
            return nil
        }
    }

    /// The model read once from its file, after the manifest's signature and the file's hash were checked.
    static func verifiedModel(_ policy: AnalysisPolicy) throws(GuardError) -> (RiskModel, VerifiedModel) {
        var keys: [Curve25519.Signing.PublicKey] = []
        for signer in policy.model.signers { keys.append(try ModelSigningKey.parsePublic(signer)) }
        guard !keys.isEmpty else { throw GuardError("the policy pins no model-signing key (analysis.model.signers)") }
        let verified = try ModelFiles.loadVerified(
            model: policy.model.file, manifest: policy.model.manifest, pinnedKeys: keys)
        do {
            return (try RiskModel(json: verified.bytes), verified)
        } catch {
            throw GuardError("model file \(verified.name): \(error)")
        }
    }
}
