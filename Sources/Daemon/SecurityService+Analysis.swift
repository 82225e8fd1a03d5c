import AIOSProto
import Capabilities
import GRPCCore

extension SecurityService {
    /// The analysis loop's state: the orchestrator, operators, and agents holding `monitor:read:analysis`.
    public func getAnalysis(
        request: Aios_Security_V1_GetAnalysisRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_GetAnalysisResponse {
        let caller = try caller(context)
        if let agent = caller.agent {
            let request = try? AccessRequest(namespace: "monitor", action: "read", resource: "analysis")
            guard let request, core.authority.check(request, for: agent, at: core.clock.now()).isAllowed else {
                throw StatusMapping.denied("\(caller) may not read the analysis state (monitor:read:analysis)")
            }
        } else if caller.principal == nil {
            throw StatusMapping.denied("\(caller) may not read the analysis state")
        }
        return Self.message(workers.analysis?.snapshot ?? AnalysisStatus.Snapshot())
    }

    static func message(_ snapshot: AnalysisStatus.Snapshot) -> Aios_Security_V1_GetAnalysisResponse {
        var response = Aios_Security_V1_GetAnalysisResponse()
        response.running = snapshot.running
        response.modelState = snapshot.modelState
        response.modelIdentifier = snapshot.modelIdentifier
        response.lastWindowAt = snapshot.lastWindowAt?.rfc3339 ?? ""
        response.lastScore = snapshot.lastScore ?? 0
        response.lastWindowEvents = UInt32(clamping: snapshot.lastWindowEvents)
        response.windows = snapshot.windows
        response.escalations = snapshot.escalations
        response.escalationsRejected = snapshot.escalationsRejected
        response.escalationsFailed = snapshot.escalationsFailed
        response.escalationState = snapshot.escalationState
        response.threshold = snapshot.threshold
        return response
    }
}
