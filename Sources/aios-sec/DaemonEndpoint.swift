import AIOSProto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import PKI

/// Where the daemon is (`HOST:PORT` or `unix:PATH`) and who we are to it (an identity directory holding key.pem,
/// cert.pem and bundle.pem): the mTLS client every command that calls the daemon uses. The files are read when a
/// transport is made, as one consistent key and chain even while the daemon renews them, so a client that makes one
/// per call follows a renewed identity.
struct DaemonEndpoint: Sendable {
    let server: String
    let identity: String

    /// What is wrong with the options (unreadable identity files, a malformed address), or nil.
    var problem: String? {
        for file in ["key.pem", "cert.pem", "bundle.pem"]
        where !FileManager.default.isReadableFile(atPath: identity + "/" + file) {
            return "cannot read \(identity)/\(file)"
        }
        return (try? target()) == nil ? "--server '\(server)' must be HOST:PORT or unix:PATH" : nil
    }

    private struct MalformedAddress: Error {}

    private func target() throws -> any ResolvableTarget {
        if server.hasPrefix("unix:") { return .unixDomainSocket(path: String(server.dropFirst(5))) }
        guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
            throw MalformedAddress()
        }
        let host = String(server[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.contains(":") ? .ipv6(address: host, port: port) : .ipv4(address: host, port: port)
    }

    func withClient<T: Sendable>(
        _ body: @Sendable (Aios_Security_V1_SecurityService.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        let files = try WorkloadIdentity(directory: identity).snapshot()
        // A Unix socket has no host name to check: the chain to our CA is verified, the name is not.
        let checkHostName = !server.hasPrefix("unix:")
        let transport = try HTTP2ClientTransport.Posix(
            target: target(),
            transportSecurity: .mTLS(
                certificateChain: [.bytes(Array(files.chainPEM.utf8), format: .pem)],
                privateKey: .bytes(Array(files.keyPEM.utf8), format: .pem)
            ) { tls in
                tls.trustRoots = .certificates([.bytes(Array(files.bundlePEM.utf8), format: .pem)])
                if !checkHostName { tls.serverCertificateVerification = .noHostnameVerification }
            })
        return try await withGRPCClient(transport: transport) { client in
            try await body(Aios_Security_V1_SecurityService.Client(wrapping: client))
        }
    }
}
