import AIOSProto
import Capabilities
import Foundation
import GRPCCore
import PKI

extension SecurityService {
    /// A new certificate for the caller's own identity, recorded either way.
    public func renewIdentity(
        request: Aios_Security_V1_RenewIdentityRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_RenewIdentityResponse {
        let caller = try caller(context)
        guard let identities, let presented = peerCertificate(context) else {
            throw RPCError(code: .unimplemented, message: "this daemon issues no certificates")
        }
        do {
            let (issued, bundle) = try identities.renew(
                caller: caller, presented: presented, csrPEM: request.csrPem, now: Date())
            if let agent = caller.agent { agentIdentities?.noteIssued(serial: issued.serial, to: agent.rawValue) }
            _ = try await core.record(
                IdentityAudit.renewed(caller.identity.uri, by: caller.auditName, serial: issued.serial))
            var response = Aios_Security_V1_RenewIdentityResponse()
            response.certificatePem = try issued.chainPEM
            response.bundlePem = bundle
            response.notAfter =
                Timestamp(millisecondsSinceEpoch: Int64(issued.notAfter.timeIntervalSince1970 * 1000)).rfc3339
            response.serial = issued.serial
            return response
        } catch let error as PKIError {
            _ = try await core.record(
                IdentityAudit.renewalRefused(caller.identity.uri, by: caller.auditName, reason: error.message))
            switch error.code {
            case .request, .identity: throw RPCError(code: .invalidArgument, message: error.message)
            case .revoked, .expired: throw RPCError(code: .permissionDenied, message: error.message)
            case .state, .io, .key: throw RPCError(code: .unavailable, message: error.message)
            }
        }
    }
}
