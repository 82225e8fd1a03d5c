import Hummingbird
import HummingbirdTLS
import Logging
import NIOCertificateReloading
import NIOSSL
import ServiceLifecycle

/// The console as a `Service` of the daemon's group: HTTPS only, with the daemon's own server certificate from the
/// internal CA (re-read within a second of a renewal, as the gRPC server does), stopped with the daemon.
public struct ConsoleServer: Service {
    public let backend: ConsoleBackend
    public let host: String
    public let port: Int
    public let certificatePath: String
    public let keyPath: String
    /// Called with `HOST:PORT` once the console listens (port 0 picks a free one).
    public let started: @Sendable (String) -> Void

    public init(
        backend: ConsoleBackend, host: String, port: Int, certificatePath: String, keyPath: String,
        started: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.backend = backend
        self.host = host
        self.port = port
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.started = started
    }

    public func run() async throws {
        let reloader = try TimedCertificateReloader.makeReloaderValidatingSources(
            refreshInterval: .seconds(1),
            certificateSource: .init(location: .file(path: certificatePath), format: .pem),
            privateKeySource: .init(location: .file(path: keyPath), format: .pem))
        var tls = try TLSConfiguration.makeServerConfiguration(certificateReloader: reloader)
        tls.minimumTLSVersion = .tlsv12
        var logger = Logger(label: "aios-sec.console")
        logger.logLevel = .warning
        let started = self.started
        let app = Application(
            router: ConsoleRoutes(backend: backend).router(),
            server: try .tls(.http1(), tlsConfiguration: tls),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            services: [reloader, backend.feed],
            onServerRunning: { channel in
                guard let address = channel.localAddress, let ip = address.ipAddress, let port = address.port else {
                    return
                }
                started(ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)")
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            // Most often the port is taken: say which address, so that the daemon's exit names the console.
            throw ConsoleError.configuration("the console cannot serve on \(host):\(port): \(error)")
        }
    }
}
