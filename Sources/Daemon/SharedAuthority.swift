import PKI
import Synchronization

/// The CA shared by the daemon's services: one operation at a time (it keeps state between calls).
public final class SharedAuthority: Sendable {
    private let authority: Mutex<CertificateAuthority>

    public init(_ authority: consuming sending CertificateAuthority) { self.authority = Mutex(authority) }

    public func withLock<T>(_ body: (CertificateAuthority) throws(PKIError) -> sending T) throws(PKIError) -> sending T
    {
        try authority.withLock { (value: inout CertificateAuthority) throws(PKIError) -> sending T in try body(value) }
    }
}
