import Daemon
import Foundation
import Hummingbird

extension ConsoleRoutes {
    struct AnswerForm: Decodable {
        let id: String
        let answer: String
        let reason: String?
    }

    func addCallRoutes(to router: Router<ConsoleContext>) {
        router.get("/calls") { _, context in
            page(context, "calls", title: "Confirmations") { _ in PendingCallsData(pending: backend.core.pending).values
            }
        }
        router.post("/calls/answer") { request, context in try await answer(request, context: context) }
    }

    /// Approve or deny a waiting call through the handler the gRPC `Confirm` runs; the call's own RPC then decides
    /// it again and records the decision with who confirmed it.
    func answer(_ request: Request, context: ConsoleContext) async throws -> Response {
        try await action(request, context: context, name: "confirm", form: AnswerForm.self) { session, form in
            guard form.answer == "approve" || form.answer == "deny" else {
                throw ConsoleRefusal(status: .badRequest, problem: "A form the console did not make.")
            }
            _ = try await backend.service.confirm(
                caller: try Self.caller(session), pendingID: form.id, approve: form.answer == "approve",
                reason: form.reason.flatMap { $0.isEmpty ? nil : $0 } ?? "denied in the console")
            return Self.redirect(to: "/calls")
        }
    }
}

/// The calls waiting for a confirmation, with everything the decision rests on: the exact arguments, the
/// capability, the risk and the Gate's explanation.
struct PendingCallsData {
    let pending: PendingCalls

    var values: [String: Any] {
        let calls: [[String: Any]] = pending.calls.map { call in
            [
                "id": call.id, "agent": call.agent, "tool": call.tool, "capability": call.capability,
                "risk": call.risk.rawValue, "reason": call.reason, "explanation": call.explanation,
                "requested": call.requestedAt.rfc3339,
                "expires": call.expiresAt.rfc3339,
                "arguments": call.arguments.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] },
                "report": Self.readable(call.report), "hasReport": !call.report.isEmpty,
            ]
        }
        return ["calls": calls, "hasCalls": !calls.isEmpty]
    }

    /// A package call's provenance report, indented for reading (the template escapes it).
    static func readable(_ report: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(report.utf8)),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else { return report }
        return String(decoding: data, as: UTF8.self)
    }
}
