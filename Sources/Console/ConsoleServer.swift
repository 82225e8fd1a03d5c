import Daemon
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
    /// The internal CA's root (PEM): a client certificate is asked for, and must chain to it. nil: none is asked for.
    public let trustRootPath: String?
    /// Called with `HOST:PORT` once the console listens (port 0 picks a free one).
    public let started: @Sendable (String) -> Void

    public init(
        backend: ConsoleBackend, host: String, port: Int, certificatePath: String, keyPath: String,
        trustRootPath: String? = nil, started: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.trustRootPath = trustRootPath
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
        let tls = try ConsoleTLS.configuration(reloader: reloader, trustRoot: trustRootPath)
        let refusals = backend.refusals
        var logger = Logger(label: "aios-sec.console")
        logger.logLevel = .warning
        let started = self.started
        let app = Application(
            router: ConsoleRoutes(backend: backend).router(),
            server: try ConsoleTLS.server(tls: tls, refusals: refusals),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            // The feed polls the ledger; the summaries of counted refusals are written each second and when the
            // console stops.
            services: [reloader, backend.feed, RefusalSummaries(recorder: refusals)],
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
