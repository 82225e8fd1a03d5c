import Hummingbird
import NIOCore

/// One request's context: who connected (the socket's peer, for the address check; the TLS client certificate, if
/// one was presented) and, once the session middleware found one, the operator's session.
public struct ConsoleContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The connection, to read its TLS peer certificate (``ClientCertificateLookup``).
    let channel: any Channel
    /// The certificate the connection's TLS handshake presented, verified to the internal CA's root.
    public var clientCertificate: ClientCertificate?
    public var session: ConsoleSessions.Session?
    /// The cookie's value that opened ``session`` (needed to log out).
    var sessionCookie: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
    }

    /// The peer's address as the ledger records it.
    var clientDescription: String { remoteAddress?.ipAddress.map(AllowedClients.unmapped) ?? "unknown" }
}
