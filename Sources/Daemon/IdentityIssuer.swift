import Foundation
import PKI
import X509

/// Issues the client certificates of a running daemon: the identities it manages (renewed when due, without a
/// restart) and the ones callers renew for themselves over the API (`RenewIdentity`).
///
/// A caller can only ever renew into the identity it holds: the certificate names the caller's current SPIFFE ID,
/// whatever the CSR asks for (a CSR that names another is refused), and only while its current certificate is
/// unexpired and unrevoked. An HTTP/2 connection outlives the certificate it was opened with, so the expiry is
/// checked here, not left to the handshake.
public struct IdentityIssuer: Sendable {
    public let state: DaemonState
    let authority: SharedAuthority
    /// How long every certificate the daemon issues lives (nil: the CA's default, 24 h).
    public let lifetime: TimeInterval?

    public init(state: DaemonState, authority: SharedAuthority, lifetime: TimeInterval? = nil) {
        self.state = state
        self.authority = authority
        self.lifetime = lifetime
    }

    /// A new certificate for `caller`, whose TLS certificate is `presented`, for the key that signed `csrPEM`.
    public func renew(caller: Caller, presented: Certificate, csrPEM: String, now: Date) throws(PKIError) -> (
        issued: IssuedCertificate, bundlePEM: String
    ) {
        if caller.identity.kind == .service && caller.identity.name == DaemonState.serverIdentity {
            throw PKIError(.request, "the daemon's own identity is renewed by the daemon, not over the API")
        }
        guard presented.notValidAfter > now else {
            throw PKIError(
                .expired, "the certificate this connection was opened with expired at \(presented.notValidAfter)")
        }
        let request: CertificateSigningRequest
        do {
            request = try CertificateSigningRequest(pemEncoded: csrPEM)
        } catch {
            throw PKIError(.request, "csr_pem is not a PEM certificate signing request: \(error)")
        }
        let lifetime = self.lifetime
        return try authority.withLock { (ca: CertificateAuthority) throws(PKIError) in
            let issued = try ca.sign(request, identity: caller.identity, lifetime: lifetime, now: now)
            return (issued, try ca.trustBundlePEM(at: now))
        }
    }

    /// Revokes one certificate this CA issued (recorded in the CA; the daemon's deny-list follows within a second).
    public func revoke(serial: String, reason: String) throws(PKIError) {
        _ = try authority.withLock { (ca: CertificateAuthority) throws(PKIError) in
            try ca.revoke(serial: serial, reason: reason)
        }
    }

    /// Renews, into its directory, each managed identity whose renewal point has come (or which is missing, names
    /// another identity or is revoked); returns the names renewed. The daemon's server identity carries its host
    /// names.
    @discardableResult
    public func renewDue(_ holders: [ManagedIdentity], now: Date) throws(PKIError) -> [String] {
        let state = self.state
        let lifetime = self.lifetime
        return try authority.withLock { (ca: CertificateAuthority) throws(PKIError) -> [String] in
            var renewed: [String] = []
            for holder in holders {
                if try state.ensure(holder, with: ca, lifetime: lifetime, now: now) { renewed.append(holder.name) }
            }
            return renewed
        }
    }
}

/// One identity directory the daemon keeps current.
public struct ManagedIdentity: Sendable {
    public let name: String
    public let identity: SPIFFEID
    public let holder: WorkloadIdentity
    public let hostNames: [String]
    /// The holder's uid and gid when it is not the daemon's (an agent reading its own key).
    public let owner: (uid: UInt32, gid: UInt32)?

    public init(
        name: String, identity: SPIFFEID, holder: WorkloadIdentity, hostNames: [String] = [],
        owner: (uid: UInt32, gid: UInt32)? = nil
    ) {
        self.name = name
        self.identity = identity
        self.holder = holder
        self.hostNames = hostNames
        self.owner = owner
    }
}
