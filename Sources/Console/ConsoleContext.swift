import Hummingbird
import NIOCore

/// One request's context: who connected (the socket's peer, for the address check) and, once the session
/// middleware found one, the operator's session.
public struct ConsoleContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public var session: ConsoleSessions.Session?
    /// The cookie's value that opened ``session`` (needed to log out).
    var sessionCookie: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The peer's address as the ledger records it.
    var clientDescription: String { remoteAddress?.ipAddress ?? "unknown" }
}
