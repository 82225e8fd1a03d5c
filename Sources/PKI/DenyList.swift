import SwiftASN1
import Synchronization
import X509

/// Revoked serials and identities, shared by every verifier in the process: an update is seen by the next
/// verification at once (no CRL to fetch: everything is on one host).
public final class DenyList: Sendable {
    private let entries: Mutex<(serials: Set<String>, identities: Set<String>)>

    public init(serials: Set<String> = [], identities: Set<String> = []) {
        entries = Mutex((serials, identities))
    }

    public func replace(serials: Set<String>, identities: Set<String>) {
        entries.withLock { $0 = (serials, identities) }
    }

    public func deny(serial: String) { _ = entries.withLock { $0.serials.insert(serial.lowercased()) } }
    public func deny(identity: String) { _ = entries.withLock { $0.identities.insert(identity) } }

    /// Why a certificate is denied, or nil.
    public func reason(for certificate: Certificate) -> String? {
        reason(serial: certificate.serialNumber.hex, identities: certificate.uriNames)
    }

    /// Why a certificate already accepted is denied now, or nil: for streams that outlive the handshake.
    public func reason(serial: String, identities: [String]) -> String? {
        entries.withLock { current in
            if current.serials.contains(serial) { return "serial \(serial) is revoked" }
            if let uri = identities.first(where: current.identities.contains) { return "\(uri) is revoked" }
            return nil
        }
    }
}

/// Rejects a chain whose leaf is on the deny-list.
public struct DenyListPolicy: VerifierPolicy {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []
    let denyList: DenyList

    public init(_ denyList: DenyList) { self.denyList = denyList }

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        if let reason = denyList.reason(for: chain.leaf) { return .failsToMeetPolicy(reason: reason) }
        return .meetsPolicy
    }
}

/// Requires exactly one URI SAN in the leaf, a SPIFFE ID in the trust domain.
public struct SPIFFEIdentityPolicy: VerifierPolicy {
    public let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = []

    public init() {}

    public func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) async -> PolicyEvaluationResult {
        let uris = chain.leaf.uriNames
        guard uris.count == 1 else { return .failsToMeetPolicy(reason: "the leaf has \(uris.count) URI names, not 1") }
        do {
            _ = try SPIFFEID(parsing: uris[0])
            return .meetsPolicy
        } catch {
            return .failsToMeetPolicy(reason: error.message)
        }
    }
}
