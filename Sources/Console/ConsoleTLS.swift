import Daemon
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOCertificateReloading
import NIOSSL

/// The console's TLS: the daemon's server certificate (re-read on renewal), TLS 1.2 at least, and an optional
/// client certificate. A browser that presents one must present one that chains to the internal CA's root and is
/// valid now, or the handshake fails (a certificate from another CA, or an expired one, never reaches a page); a
/// browser that presents none still gets the login page, for one-time links. The CA's name is sent in the
/// certificate request, so a browser offers only certificates from this CA.
public enum ConsoleTLS {
    /// `trustRoot`: the CA's root (PEM file); nil asks for no client certificate at all.
    public static func configuration(reloader: some CertificateReloader, trustRoot: String?) throws
        -> TLSConfiguration
    {
        var tls = try TLSConfiguration.makeServerConfiguration(certificateReloader: reloader)
        tls.minimumTLSVersion = .tlsv12
        if let trustRoot {
            // Only our CA; never the system's trust store.
            tls.trustRoots = .file(trustRoot)
            tls.certificateVerification = .optionalVerification
            tls.sendCANameList = true
        }
        return tls
    }

    /// HTTP/1 over `tls`, with failed handshakes recorded through `refusals` (``HandshakeRefusals``).
    public static func server(tls: TLSConfiguration, refusals: RefusalRecorder) throws -> HTTPServerBuilder {
        try .tls(.http1(additionalChannelHandlers: [HandshakeRefusals(refusals: refusals)]), tlsConfiguration: tls)
    }
}
