import Crypto
import Foundation
import SwiftASN1
import X509

extension CertificateAuthority {
    // MARK: Intermediates

    /// A new issuing intermediate signed by the root; it takes over issuing at once, the previous one stays in the
    /// bundle while certificates it issued are valid.
    func addIntermediate(signedBy rootKey: P256.Signing.PrivateKey, now: Date) throws(PKIError) {
        let key = P256.Signing.PrivateKey()
        let certificate = try Self.build {
            try CertificateProfiles.intermediate(
                publicKey: key.publicKey, root: root, rootKey: rootKey,
                validity: (now - lifetimes.backdate)...min(now + lifetimes.intermediateValidity, root.notValidAfter))
        }
        let serial = certificate.serialNumber.hex
        try Self.seal(key, name: "issuing-key", to: files.intermediateKey(serial), with: try keySource())
        try PKIFiles.writeAtomically(
            Array(try Self.pem(certificate).utf8), to: files.intermediateCertificate(serial), mode: 0o644)
        try remember(key, serial: serial)
        intermediates[serial] = certificate
        state.intermediates.append(
            CAState.Intermediate(
                serial: serial, notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter,
                rotateAfter: now + lifetimes.intermediateRotation))
        state.current = serial
        try PKIFiles.writeAtomically(Array(try state.encoded()), to: files.state, mode: 0o644)
        try writePublicFiles(now: now)
    }

    /// Replaces the issuing intermediate now (unseals the root key for the signature, then drops it).
    @discardableResult
    public func rotateIntermediate(now: Date = Date()) throws(PKIError) -> Certificate {
        try files.locked { () throws(PKIError) in
            state = try CAState.decode(try files.read(files.state), path: files.state)
            let rootKey = try unseal(files.rootKey)
            try addIntermediate(signedBy: rootKey, now: now)
            return currentIntermediate
        }
    }

    /// Rotates when the current intermediate's 30 days are up; true when it did.
    @discardableResult
    public func rotateIntermediateIfDue(now: Date = Date()) throws(PKIError) -> Bool {
        guard now >= intermediateRotationDue else { return false }
        try rotateIntermediate(now: now)
        return true
    }

    // MARK: Workload certificates

    /// Signs a CSR for one identity. The identity comes from the CSR's SAN (a URI in its extension request) or
    /// from `identity`; when both are given they must agree. Only the CSR travels: the holder keeps its key.
    public func sign(
        _ request: CertificateSigningRequest, identity: SPIFFEID? = nil, lifetime: TimeInterval? = nil,
        hostNames: [HostName] = [], now: Date = Date()
    ) throws(PKIError) -> IssuedCertificate {
        guard request.publicKey.isValidSignature(request.signature, for: request) else {
            throw PKIError(.request, "the CSR's signature does not verify (it was not made with its key)")
        }
        let requested = try Self.requestedIdentity(request)
        if let requested, let identity, requested != identity {
            throw PKIError(.request, "the CSR asks for \(requested) but \(identity) was given")
        }
        guard let subject = identity ?? requested else {
            throw PKIError(.request, "no identity: give one, or put a spiffe:// URI SAN in the CSR")
        }
        let permitted = try permittedHosts
        if let outside = hostNames.first(where: { !permitted.permits($0) }) {
            throw PKIError(
                .request,
                "\(outside.text) is outside the names this CA may certify (\(permitted.description)); they are fixed "
                    + "in the root when the CA is created (ca init --permit-host)")
        }
        let lifetime = lifetime ?? lifetimes.leafDefault
        guard lifetime > 0, lifetime <= lifetimes.leafMaximum else {
            throw PKIError(
                .request, "a certificate lives from 1 s to \(Int(lifetimes.leafMaximum / 86_400)) days")
        }
        // Backdated for clocks that run behind, but never by more than a quarter of the life: a short-lived
        // certificate would otherwise reach its renewal point (2/3 of notBefore…notAfter) the moment it is issued.
        let backdate = min(lifetimes.backdate, lifetime / 4)
        return try mutate(now: now) { () throws(PKIError) in
            guard !state.deniedIdentities.contains(subject.uri) else {
                throw PKIError(.revoked, "\(subject) is revoked; no certificate is issued for it")
            }
            try rotateIfDueWhileLocked(now: now)
            let issuer = currentIntermediate
            let key = try issuingKey(state.current)
            let leaf = try Self.build {
                try CertificateProfiles.leaf(
                    identity: subject, publicKey: request.publicKey, hostNames: hostNames, issuer: issuer,
                    issuerKey: key,
                    validity: (now - backdate)...min(now + lifetime, issuer.notValidAfter))
            }
            try files.issued.append(
                CAState.Issued(
                    serial: leaf.serialNumber.hex, identity: subject.uri, issuer: state.current,
                    notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter))
            if let index = state.intermediates.firstIndex(where: { $0.serial == state.current }),
                (state.intermediates[index].lastLeafExpiry ?? .distantPast) < leaf.notValidAfter
            {
                state.intermediates[index].lastLeafExpiry = leaf.notValidAfter
            }
            return IssuedCertificate(certificate: leaf, intermediate: issuer, identity: subject)
        }
    }

    /// Inside `mutate`: a due rotation happens before issuing, so no leaf is signed by an expired issuer.
    private func rotateIfDueWhileLocked(now: Date) throws(PKIError) {
        guard now >= intermediateRotationDue else { return }
        try addIntermediate(signedBy: try unseal(files.rootKey), now: now)
    }

    /// The identity a CSR asks for (its one spiffe:// URI SAN), nil when it names none; malformed or foreign is an error.
    public static func requestedIdentity(_ request: CertificateSigningRequest) throws(PKIError) -> SPIFFEID? {
        let extensions: Certificate.Extensions?
        do {
            extensions = try request.attributes.extensionRequest?.extensions
        } catch {
            throw PKIError(.request, "the CSR's extension request is malformed: \(error)")
        }
        guard let extensions else { return nil }
        let names: SubjectAlternativeNames?
        do {
            names = try extensions.subjectAlternativeNames
        } catch {
            throw PKIError(.request, "the CSR's subject alternative names are malformed: \(error)")
        }
        let uris = (names ?? SubjectAlternativeNames([])).compactMap {
            if case .uniformResourceIdentifier(let uri) = $0 { uri } else { nil }
        }
        guard !uris.isEmpty else { return nil }
        guard uris.count == 1 else {
            throw PKIError(.request, "the CSR names \(uris.count) URIs; exactly one is allowed")
        }
        return try SPIFFEID(parsing: uris[0])
    }

    // MARK: Revocation

    /// Revokes one certificate by serial (hex, as `ca status` and `openssl x509 -serial` print it).
    public func revoke(serial: String, reason: String, now: Date = Date()) throws(PKIError) -> (
        identity: String, issuer: String
    ) {
        let normalised = serial.lowercased().replacingOccurrences(of: ":", with: "")
        return try mutate(now: now, revocation: true) { () throws(PKIError) in
            guard let issued = try files.issued.records().first(where: { $0.serial == normalised }) else {
                throw PKIError(
                    .request, "no certificate with serial \(serial) was issued by this CA")
            }
            guard !state.revoked.contains(where: { $0.serial == normalised }) else {
                throw PKIError(.request, "serial \(serial) is already revoked")
            }
            state.revoked.append(
                CAState.Revoked(
                    serial: normalised, identity: issued.identity, issuer: issued.issuer, revokedAt: now,
                    reason: reason))
            state.crlNumber += 1
            return (issued.identity, issued.issuer)
        }
    }

    /// Revokes every unexpired certificate of an identity and refuses new ones until it is reinstated.
    public func revoke(identity: SPIFFEID, reason: String, now: Date = Date()) throws(PKIError) -> [String] {
        try mutate(now: now, revocation: true) { () throws(PKIError) in
            let already = Set(state.revoked.map(\.serial))
            let serials = try files.issued.records().filter {
                $0.identity == identity.uri && $0.notAfter > now && !already.contains($0.serial)
            }
            for issued in serials {
                state.revoked.append(
                    CAState.Revoked(
                        serial: issued.serial, identity: issued.identity, issuer: issued.issuer, revokedAt: now,
                        reason: reason))
            }
            if !state.deniedIdentities.contains(identity.uri) { state.deniedIdentities.append(identity.uri) }
            state.crlNumber += 1
            return serials.map(\.serial)
        }
    }

    /// Lifts an identity's denial (its revoked certificates stay revoked).
    public func reinstate(identity: SPIFFEID, now: Date = Date()) throws(PKIError) {
        try mutate(now: now) { () throws(PKIError) in
            guard state.deniedIdentities.contains(identity.uri) else {
                throw PKIError(.request, "\(identity) is not revoked")
            }
            state.deniedIdentities.removeAll { $0 == identity.uri }
        }
    }
}
