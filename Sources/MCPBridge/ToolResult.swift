import AIOSProto
import Foundation
import GRPCCore
import MCP

/// What the daemon answered, as an MCP tool result. Every outcome is a result, never a protocol error: a denial
/// (`isError`, with the decision's explanation and ledger entry), a malformed call, a Broker failure, an unreachable
/// daemon. `structuredContent` carries the decision for programs; `content` says it in words for models.
enum ToolResult {
    static func answer(_ response: Aios_Security_V1_ExecuteToolResponse) -> CallTool.Result {
        let decision = response.decision
        var structured: [String: Value] = ["decision": decisionValue(decision)]
        guard decision.allowed else {
            return CallTool.Result(
                content: [
                    .text(
                        text: "denied: \(decision.capability) — \(decision.explanation) (audit \(decision.auditID))",
                        annotations: nil, _meta: nil)
                ],
                structuredContent: .object(structured), isError: true)
        }
        structured["details"] = .object(response.details.mapValues { .string($0) })
        structured["result_audit_id"] = .string(response.resultAuditID)
        let output: String
        if let text = String(validating: response.output, as: UTF8.self) {
            output = text
            structured["output_encoding"] = .string("utf-8")
        } else {
            output = response.output.base64EncodedString()
            structured["output_encoding"] = .string("base64")
        }
        return CallTool.Result(
            content: [.text(text: output, annotations: nil, _meta: nil)], structuredContent: .object(structured),
            isError: false)
    }

    /// A call the daemon refused to decide or could not complete (its status and message), or one that never
    /// reached it.
    static func failure(_ error: any Error, tool: String) -> CallTool.Result {
        let text: String
        var structured: [String: Value] = [:]
        switch error {
        case let problems as ToolCallProblems:
            text = problems.message
            structured["code"] = .string("invalidArgument")
        case let rpc as RPCError:
            text = "\(tool) failed: \(rpc.code): \(rpc.message)"
            structured["code"] = .string("\(rpc.code)")
        default:
            text = "\(tool) failed: the daemon could not be reached or did not answer (\(error))"
            structured["code"] = .string("unavailable")
        }
        structured["message"] = .string(text)
        return CallTool.Result(
            content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: .object(structured),
            isError: true)
    }

    static func decisionValue(_ decision: Aios_Security_V1_Decision) -> Value {
        .object([
            "allowed": .bool(decision.allowed), "capability": .string(decision.capability),
            "explanation": .string(decision.explanation), "risk": .string(decision.risk),
            "requires_confirmation": .bool(decision.requiresConfirmation), "audit_id": .string(decision.auditID),
        ])
    }
}
