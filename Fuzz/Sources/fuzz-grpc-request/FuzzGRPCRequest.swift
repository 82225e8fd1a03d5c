import AIOSProto
import Capabilities
import Daemon
import PKI
import Policy
import Sandbox
import SwiftProtobuf

/// What the daemon does with a request body from the wire before any handler acts: swift-protobuf decodes it
/// (the first byte picks the message type), then the Gate decides on it for an agent, or a task request becomes a
/// validated task spec. Properties: no crash; the Gate always returns a verdict with a named check; a verdict
/// marked malformed is never an allow; a task spec that validates has positive limits.
public func fuzzGRPCRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let call: ToolCall
    switch data[0] % 4 {
    case 0:
        guard let request = try? Aios_Security_V1_AuthorizeRequest(serializedBytes: body) else { return 0 }
        call = ToolCall(
            tool: request.tool.isEmpty ? nil : request.tool, arguments: request.arguments,
            capability: request.capability.isEmpty ? nil : request.capability, reason: request.reason,
            taskID: request.taskID.isEmpty ? nil : request.taskID)
    case 1:
        guard let request = try? Aios_Security_V1_ExecuteToolRequest(serializedBytes: body) else { return 0 }
        call = ToolCall(
            tool: request.tool, arguments: request.arguments, capability: nil, reason: request.reason, taskID: nil)
    case 2:
        guard let request = try? Aios_Security_V1_RunTaskRequest(serializedBytes: body) else { return 0 }
        guard let spec = try? SecurityService.taskSpec(request).validated() else { return 0 }
        if spec.memoryBytes == 0 || spec.pids <= 0 || spec.cpus <= 0 { fatalError("a task spec without limits") }
        return 0
    default:
        guard let request = try? Aios_Security_V1_GrantTemporaryRequest(serializedBytes: body) else { return 0 }
        _ = try? Capability(parsing: request.capability)
        _ = try? GrantDuration(parsing: request.duration)
        return 0
    }
    let verdict = gate.decide(call, from: agent, at: Timestamp(millisecondsSinceEpoch: 1_800_000_000_000))
    if verdict.check.isEmpty { fatalError("a verdict without a check") }
    if verdict.malformed && verdict.outcome == .allow { fatalError("a malformed call was allowed") }
    return 0
}

private let policy = SecurityPolicy.builtin()
private let gate = Gate.standard(
    policy: policy, authority: AuthorityStore(policy.authority(), now: Timestamp(millisecondsSinceEpoch: 0)),
    emergency: EmergencySwitch(), limiter: RateLimiter(rate: 1e12, burst: 1e12))
private let agent = Caller(identity: try! SPIFFEID(kind: .agent, name: "aios-agent-system"), serial: "01")
