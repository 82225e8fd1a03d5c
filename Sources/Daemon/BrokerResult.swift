import Audit
import GRPCCore

/// What the Broker did: the output handed back, the facts recorded in the ledger, or why it failed.
public struct BrokerResult: Sendable {
    public enum Detail: Sendable, Equatable {
        case int(Int)
        case bool(Bool)
        case string(String)

        var json: JSONValue {
            switch self {
            case .int(let value): .integer(Int64(value))
            case .bool(let value): .bool(value)
            case .string(let value): .string(value)
            }
        }

        var text: String {
            switch self {
            case .int(let value): String(value)
            case .bool(let value): String(value)
            case .string(let value): value
            }
        }
    }

    public struct Failure: Error, Sendable {
        public let code: RPCError.Code
        public let message: String
    }

    public enum Outcome: Sendable {
        case success([UInt8])
        case failure(Failure)
    }

    public var outcome: Outcome
    public var details: [String: Detail]
    public var eventType: AuditEventType

    static func success(_ output: [UInt8] = [], _ details: [String: Detail] = [:], event: AuditEventType = .toolCall)
        -> BrokerResult
    {
        BrokerResult(outcome: .success(output), details: details, eventType: event)
    }

    static func failure(_ code: RPCError.Code, _ message: String, event: AuditEventType = .toolCall) -> BrokerResult {
        BrokerResult(outcome: .failure(Failure(code: code, message: message)), details: [:], eventType: event)
    }
}
