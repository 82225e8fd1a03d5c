import Audit
import Capabilities
import Packages

extension SecurityService {
    /// For `pkg.install` and `pkg.update` the Gate did not deny: downloads, checks and reports the package in the
    /// sandbox, records the report, and turns the verdict into a denial when the report (or its making) refuses
    /// it, or into a confirmation when the report needs one. Nil for every other call.
    func preparePackages(_ call: ToolCall, caller: Caller, verdict: inout GateVerdict, entry: inout AuditEntry?)
        async throws -> PreparedInstall?
    {
        guard let tool = call.tool, PackageRequests.preparing.contains(tool), verdict.outcome != .deny else {
            return nil
        }
        guard let packages = workers.packages else {
            verdict = verdict.replacing(
                outcome: .deny, check: "provenance",
                explanation: "this daemon cannot install packages (it needs root for the package sandbox)")
            entry = try await core.record(DecisionAudit.decision(caller: caller, call: call, verdict: verdict))
            return nil
        }
        let preparation = await packages.prepare(call)
        _ = try await core.record(PackageRequests.provenanceEntry(caller, call, preparation))
        switch preparation {
        case .refused(let why, _):
            verdict = verdict.replacing(outcome: .deny, check: "provenance", explanation: why)
            entry = try await core.record(DecisionAudit.decision(caller: caller, call: call, verdict: verdict))
            return nil
        case .prepared(let prepared):
            if verdict.outcome == .allow && prepared.report.verdict == .confirm {
                verdict = verdict.replacing(
                    outcome: .confirm, check: "provenance",
                    explanation: "the provenance report has findings the policy puts before the orchestrator")
            }
            return prepared
        }
    }
}
