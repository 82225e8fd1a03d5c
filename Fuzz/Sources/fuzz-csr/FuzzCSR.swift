import PKI
import X509

/// What `ca sign` and (next) the daemon's certificate service read from outside: a CSR as DER or PEM, the identity
/// it asks for, SPIFFE IDs and host names as text. Properties: no crash; an accepted SPIFFE ID prints to a URI that
/// parses back to the same identity, inside the trust domain.
public func fuzzCSR(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let request = try? CertificateSigningRequest(derEncoded: bytes) {
        check(try? CertificateAuthority.requestedIdentity(request))
        _ = request.publicKey.isValidSignature(request.signature, for: request)
    }
    let text = String(decoding: bytes, as: UTF8.self)
    if let request = try? CertificateSigningRequest(pemEncoded: text) {
        check(try? CertificateAuthority.requestedIdentity(request))
    }
    check(try? SPIFFEID(parsing: text))
    _ = try? HostName(parsing: text)
    return 0
}

private func check(_ identity: SPIFFEID??) {
    guard case .some(.some(let identity)) = identity else { return }
    guard identity.uri.hasPrefix("spiffe://aios.local/"), (try? SPIFFEID(parsing: identity.uri)) == identity else {
        fatalError("identity \(identity) does not round-trip")
    }
}
