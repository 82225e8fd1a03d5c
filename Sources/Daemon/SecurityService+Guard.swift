import AIOSProto
import GRPCCore

extension SecurityService {
    public func screenUntrusted(
        request: Aios_Security_V1_ScreenUntrustedRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ScreenUntrustedResponse {
        throw RPCError(code: .unimplemented, message: "screening arrives with the Guard's screening")
    }

    public func validateResponse(
        request: Aios_Security_V1_ValidateResponseRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ValidateResponseResponse {
        throw RPCError(code: .unimplemented, message: "validation arrives with the Guard's schemas")
    }
}
