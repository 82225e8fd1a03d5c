import Audit
import Capabilities
import GRPCCore

/// Domain errors → gRPC status codes, in one place. Anything not listed becomes `internal` with no detail.
enum StatusMapping {
    static func error(_ refusal: GrantRefusal) -> RPCError {
        switch refusal {
        case .selfGrant, .notOrchestrator, .mayNotRevoke, .outsideCeiling:
            RPCError(code: .permissionDenied, message: refusal.description)
        case .unknownAgent, .unknownGrant: RPCError(code: .notFound, message: refusal.description)
        case .missingReason, .alreadyExpired: RPCError(code: .invalidArgument, message: refusal.description)
        case .alreadyInactive: RPCError(code: .failedPrecondition, message: refusal.description)
        }
    }

    static func error(_ caller: CallerError) -> RPCError {
        switch caller {
        case .noCertificate: RPCError(code: .unauthenticated, message: caller.description)
        case .noIdentity, .revoked: RPCError(code: .permissionDenied, message: caller.description)
        }
    }

    /// The ledger could not record: the action is refused.
    static func ledgerUnavailable(_ error: any Error) -> RPCError {
        RPCError(code: .unavailable, message: "the audit ledger cannot record this call, so it is refused")
    }

    static func invalid(_ message: String) -> RPCError { RPCError(code: .invalidArgument, message: message) }
    static func denied(_ message: String) -> RPCError { RPCError(code: .permissionDenied, message: message) }

    /// Whatever escaped the handlers' own mapping.
    static func unknown(_ error: any Error) -> RPCError {
        if let rpc = error as? RPCError { return rpc }
        return RPCError(code: .internalError, message: "internal error")
    }
}
