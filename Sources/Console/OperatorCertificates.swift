import Capabilities
import Foundation
import PKI
import Policy
import SwiftASN1
import X509

/// Decides whether a client certificate logs an operator in: it must verify to the internal CA now (signatures,
/// validity at the daemon's clock, the root's constraints — the same `WorkloadVerifier` every verifier of the product
/// uses), not be revoked (the daemon's deny-list, which follows the CA's revocations within a second), name an
/// identity of kind `operator` (an agent's or a service's certificate is refused, however valid), and that
/// operator must be in the policy (`emergency.operators`).
///
/// The TLS handshake already refused certificates from other CAs and expired ones; this is checked again here, at
/// login, because a connection (and so its certificate) can outlive the certificate's validity or its revocation.
public struct OperatorCertificates: Sendable {
    public enum Outcome: Sendable, Equatable {
        case accepted(operator: String)
        /// `operator`: the name the certificate claims, when it names an operator at all.
        case refused(operator: String?, reason: String)
    }

    /// The CA's trust bundle (root and live intermediates), re-read at each login: the intermediate rotates.
    public let bundlePath: String
    public let denyList: DenyList

    public init(pkiDirectory: String, denyList: DenyList) {
        bundlePath = pkiDirectory + "/bundle.pem"
        self.denyList = denyList
    }

    public func check(_ presented: ClientCertificate, policy: SecurityPolicy, now: Timestamp) async -> Outcome {
        let bundle: [Certificate]
        do {
            let text = try String(contentsOfFile: bundlePath, encoding: .utf8)
            bundle = try PEMDocument.parseMultiple(pemString: text).map { try Certificate(derEncoded: $0.derBytes) }
        } catch {
            return .refused(operator: nil, reason: "the CA's trust bundle cannot be read")
        }
        let verifier = WorkloadVerifier(bundle: bundle, denyList: denyList)
        let time = Date(timeIntervalSince1970: TimeInterval(now.millisecondsSinceEpoch) / 1000)
        let identity: SPIFFEID
        switch await verifier.verify(presented.certificate, at: time) {
        case .success(let verified): identity = verified
        case .failure(let error):
            let claimed = presented.certificate.uriNames.first.flatMap { try? SPIFFEID(parsing: $0) }
            return .refused(
                operator: claimed?.kind == .operator ? claimed?.name : nil,
                reason: error.code == .revoked ? "revoked certificate" : "certificate not valid now")
        }
        guard identity.kind == .operator else {
            return .refused(operator: nil, reason: "\(identity.uri) is not an operator's identity")
        }
        guard policy.emergency.operator(named: identity.name) != nil else {
            return .refused(operator: identity.name, reason: "not an operator in the policy (emergency.operators)")
        }
        return .accepted(operator: identity.name)
    }
}
