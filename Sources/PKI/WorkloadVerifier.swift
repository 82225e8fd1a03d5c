import Foundation
@_spi(FixedExpiryValidationTime) import X509

/// Verifies a peer's certificate chain the way every verifier in the product does: RFC 5280 path validation
/// (signatures, validity, CA constraints, the root's name constraints) to the trust bundle's root, then the
/// deny-list, then the SPIFFE identity rule. Returns the identity.
public struct WorkloadVerifier: Sendable {
    public let roots: [Certificate]
    public let intermediates: [Certificate]
    public let denyList: DenyList

    /// `bundle`: the root(s) and intermediates (as `ca bundle` prints them); self-signed ones are roots.
    public init(bundle: [Certificate], denyList: DenyList) {
        roots = bundle.filter { $0.issuer == $0.subject }
        intermediates = bundle.filter { $0.issuer != $0.subject }
        self.denyList = denyList
    }

    public func verify(_ leaf: Certificate, presented: [Certificate] = [], at time: Date = Date()) async
        -> Result<SPIFFEID, PKIError>
    {
        let denyList = denyList
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            DenyListPolicy(denyList)
            SPIFFEIdentityPolicy()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(intermediates + presented))
        switch result {
        case .validCertificate:
            do {
                return .success(try SPIFFEID(parsing: leaf.uriNames[0]))
            } catch {
                return .failure(error)
            }
        case .couldNotValidate(let failures):
            let reasons = failures.map { "\($0.policyFailureReason)" }
            if let reason = denyList.reason(for: leaf) { return .failure(PKIError(.revoked, reason)) }
            return .failure(
                PKIError(
                    .identity,
                    "certificate not valid: \(reasons.isEmpty ? "no chain to a trusted root" : reasons.joined(separator: "; "))"
                ))
        }
    }
}
