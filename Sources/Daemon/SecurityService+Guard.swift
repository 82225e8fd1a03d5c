import AIOSProto
import GRPCCore
import Guard

/// The AI-specific defences as services every caller may use on its own inputs and outputs: pure functions of the
/// request, bounded by the request's size and the caller's call budget; nothing is recorded (no decision is made).
extension SecurityService {
    public func screenUntrusted(
        request: Aios_Security_V1_ScreenUntrustedRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ScreenUntrustedResponse {
        _ = try caller(context)
        guard request.text.utf8.count <= UntrustedText.maximumBytes else {
            throw StatusMapping.invalid(
                "text holds \(request.text.utf8.count) bytes; at most \(UntrustedText.maximumBytes) are screened at once"
            )
        }
        let screened = UntrustedText.screen(request.text, source: request.source)
        var response = Aios_Security_V1_ScreenUntrustedResponse()
        response.marked = screened.marked
        response.risky = screened.risky
        response.reasons = screened.reasons
        return response
    }

    public func validateResponse(
        request: Aios_Security_V1_ValidateResponseRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ValidateResponseResponse {
        _ = try caller(context)
        let schema: JSONSchema
        do {
            schema = try ResponseValidation.schema(request.schemaJson)
        } catch {
            throw StatusMapping.invalid(error.message)
        }
        let check = ResponseValidation.check(request.json, against: schema)
        var response = Aios_Security_V1_ValidateResponseResponse()
        response.valid = check.valid
        response.violations = check.violations.map {
            var violation = Aios_Security_V1_SchemaViolation()
            violation.path = $0.path
            violation.message = $0.message
            return violation
        }
        return response
    }
}
