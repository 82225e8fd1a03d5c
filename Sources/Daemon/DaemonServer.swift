import Audit
import Capabilities
import Emergency
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import NIOCertificateReloading
import PKI
import ServiceLifecycle

/// `aios-sec serve`: the gRPC server over mTLS and its companions, all `Service`s in one `ServiceGroup`. SIGTERM
/// or SIGINT shuts down gracefully: the server stops accepting, in-flight calls finish, the ledger checkpoints.
public struct DaemonServer: Sendable {
    public enum Address: Sendable {
        case tcp(host: String, port: Int)
        case unix(path: String)
    }

    let core: DaemonCore
    let state: DaemonState
    let authority: SharedAuthority
    let address: Address
    let broker: Broker
    let workers: Workers
    let connectionLimits: ConnectionLimits
    let budgets: CallBudgets
    let issuer: IdentityIssuer
    let agentIdentities: AgentIdentities?
    let stopper: EmergencyStopper
    let kernelCommandLine: KernelCommandLine?
    /// Long-running parts built outside this module (the web console), run and shut down with the others.
    let companions: [any Service]

    /// `budgets`: the per-identity rate budgets (by default `CallBudgets.standard` from the policy's `rate_limit`);
    /// `identityLifetime`: how long the certificates the daemon issues live (nil: the CA's default, 24 h).
    public init(
        core: DaemonCore, state: DaemonState, authority: SharedAuthority, address: Address, broker: Broker,
        workers: Workers = Workers(), connectionLimits: ConnectionLimits = ConnectionLimits(),
        budgets: CallBudgets? = nil, identityLifetime: TimeInterval? = nil, agentIdentities: AgentIdentities? = nil,
        stopper: EmergencyStopper? = nil, kernelCommandLine: KernelCommandLine? = nil, companions: [any Service] = []
    ) {
        self.companions = companions
        self.stopper = stopper ?? EmergencyStopper(core: core)
        self.kernelCommandLine = kernelCommandLine
        self.issuer = IdentityIssuer(state: state, authority: authority, lifetime: identityLifetime)
        self.agentIdentities = agentIdentities
        self.workers = workers
        self.connectionLimits = connectionLimits
        self.budgets = budgets ?? .standard(policy: core.policy.rateLimit)
        self.core = core
        self.state = state
        self.authority = authority
        self.address = address
        self.broker = broker
    }

    /// Runs until a signal (or `stop`); `started` is called with the bound address once the server listens.
    public func run(started: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        // Manual mode from before a restart or a reboot (or asked for on the kernel command line) holds before the
        // first call is accepted.
        await stopper.restoreAtStart(kernelCommandLine: kernelCommandLine)
        let server = state.identity(DaemonState.serverIdentity)
        // New handshakes pick up a renewed certificate within a second; existing connections keep theirs.
        let reloader = try TimedCertificateReloader.makeReloaderValidatingSources(
            refreshInterval: .seconds(1),
            certificateSource: .init(location: .file(path: server.certificatePath), format: .pem),
            privateKeySource: .init(location: .file(path: server.keyPath), format: .pem))
        let rootPath = state.pki + "/root.pem"
        var refusedCallers: (@Sendable (String, String) -> Void)? = nil
        if let sources = workers.intrusionDetection {
            refusedCallers = { peer, reason in sources.recordRefusedCaller(peer: peer, reason: reason) }
        }
        let recorder = RefusalRecorder(core: core)
        let connections = ConnectionGuard(
            counts: ConnectionCounts(limits: connectionLimits.fittingDescriptorLimit()), recorder: recorder,
            refused: refusedCallers)
        let transport = HTTP2ServerTransport.Posix(
            address: address.socketAddress,
            transportSecurity: try .mTLS(certificateReloader: reloader) { tls in
                // Only our CA; never the system's trust store.
                tls.trustRoots = .certificates([.file(path: rootPath, format: .pem)])
                tls.clientCertificateVerification = .noHostnameVerification
            },
            // The transport accepts up to 16 MiB (beyond that it resets the connection); the service refuses anything
            // over its own 4 MiB limit with a clear RESOURCE_EXHAUSTED, keeping the connection.
            // Streams per connection are advertised (NIO enforces a limit even when none is sent, and a client that
            // did not know it would be cut off with a protocol error); more calls than this wait on the client.
            config: .defaults {
                $0.rpc.maxRequestPayloadSize = 16 << 20
                $0.http2.maxConcurrentStreams = 1024
                connections.configure(&$0)
            })
        let grpc = GRPCServer(
            transport: transport,
            services: [
                SecurityService(
                    core: core, broker: broker, workers: workers, refusals: recorder, identities: issuer,
                    agentIdentities: agentIdentities, stopper: stopper)
            ],
            interceptors: [
                IdentityInterceptor(core: core, recorder: recorder, budgets: budgets, refused: refusedCallers)
            ])
        var logger = Logger(label: "aios-sec")
        logger.logLevel = .warning
        // Services stop in reverse order: the refusal summaries are written after the last call has finished.
        let agents = agentIdentities
        let notifier = SystemdNotifier()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: RefusalSummaries(recorder: recorder)),
            .init(service: GRPCServerService(server: grpc)),
            .init(service: reloader),
            .init(service: GrantExpiry(core: core)),
            .init(service: LedgerPathGuard(core: core)),
            .init(
                service: IdentityRenewal(
                    issuer: issuer, core: core, holders: managedIdentities,
                    renewed: { agents?.noteCurrentSerials() })),
            .init(service: RevocationWatch(directory: state.pki, denyList: core.denyList)),
            .init(
                service: ListeningReporter(
                    transport: transport,
                    report: { address in
                        started(address)
                        notifier.notify("READY=1\nSTATUS=listening on \(address)")
                    })),
            .init(service: WatchdogPinger(notifier: notifier)),
            .init(service: ManualModeWatch(stopper: stopper)),
            .init(service: EventStreamsClosing(events: core.events)),
        ]
        if let sources = workers.intrusionDetection {
            services.append(.init(service: IntrusionDetectionService(sources: sources)))
        }
        if let recorder = workers.humanSessions {
            services.append(.init(service: HumanSessionService(recorder: recorder)))
        }
        services += companions.map { .init(service: $0) }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        // Nothing runs unsupervised: agents and the programs the Broker started end with the daemon (their exits
        // recorded) before the ledger closes — whether the group ended by a signal or a service's error.
        do {
            try await group.run()
        } catch {
            await shutDown()
            throw error
        }
        await shutDown()
    }

    /// The identities kept current: the server's and the local clients' in `STATE/identities`, and the running
    /// agents'.
    private var managedIdentities: @Sendable () -> [ManagedIdentity] {
        let (state, policy, agents) = (self.state, core.policy, agentIdentities)
        return { ((try? state.managedIdentities(policy: policy)) ?? []) + (agents?.managed ?? []) }
    }

    private func shutDown() async {
        // Frozen agents (manual mode) are killed through their parent cgroup first: on cgroup v1 one agent's kill
        // cannot end a process whose parent is frozen.
        if core.emergency.isHalted { _ = await stopper.killEverything() }
        broker.processes.killAll()
        await workers.agents?.stopAll()
        agentIdentities?.close()
        core.ledger.close()
    }
}

extension DaemonServer.Address {
    var socketAddress: GRPCNIOTransportCore.SocketAddress {
        switch self {
        case .tcp(let host, let port):
            host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
        case .unix(let path): .unixDomainSocket(path: path)
        }
    }
}

/// The gRPC server as a `Service`: graceful shutdown stops accepting and lets in-flight calls finish.
struct GRPCServerService: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.serve()
        } onGracefulShutdown: {
            server.beginGracefulShutdown()
        }
    }
}

/// Reports the bound address once the transport listens (port 0 picks a free one).
struct ListeningReporter: Service {
    let transport: HTTP2ServerTransport.Posix
    let report: @Sendable (String) -> Void

    func run() async throws {
        let address = try await transport.listeningAddress
        if let ipv4 = address.ipv4 {
            report("\(ipv4.host):\(ipv4.port)")
        } else if let ipv6 = address.ipv6 {
            report("[\(ipv6.host)]:\(ipv6.port)")
        } else if let unix = address.unixDomainSocket {
            // Agents run as uids of their own and must be able to connect; who may call is decided by mTLS (as on
            // the loopback port, which every local user can reach), not by the socket's mode.
            _ = chmod(unix.path, 0o666)
            report("unix:\(unix.path)")
        }
        try? await gracefulShutdown()
    }
}

/// Expired grants become audited `capability_revoke` entries with reason `expired` within a second.
struct GrantExpiry: Service {
    let core: DaemonCore

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            for grant in core.authority.sweepExpired(now: core.clock.now()) {
                await core.recordOrReport(GrantAudit.revoked(grant, by: "aios-sec"))
            }
            await pause(.milliseconds(250))
        }
    }
}

/// Renews the daemon's own and every client certificate it manages when due, without a restart: checked every
/// tenth of a certificate's life (at most a minute apart); the reloader serves a new server certificate to new
/// handshakes within a second. A renewal that fails is tried again at the next check, and reported.
struct IdentityRenewal: Service {
    let issuer: IdentityIssuer
    let core: DaemonCore
    let holders: @Sendable () -> [ManagedIdentity]
    /// Called after each check that renewed something.
    let renewed: @Sendable () -> Void

    func run() async throws {
        let lifetime = issuer.lifetime ?? 86_400
        let interval = Duration.milliseconds(Int64(max(1, min(60, lifetime / 10)) * 1000))
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await pause(interval)
            do {
                let names = try issuer.renewDue(holders(), now: Date())
                if !names.isEmpty { renewed() }
                for name in names {
                    await core.recordOrReport(IdentityAudit.renewed(name, by: "aios-sec", serial: nil))
                }
            } catch {
                await core.recordOrReport(IdentityAudit.renewalFailed(reason: "\(error)"))
            }
        }
    }
}

/// Revocations made while the daemon runs (`aios-sec ca revoke` in another process) reach the deny-list within a
/// second: `ca.json` is re-read whenever it changes.
struct RevocationWatch: Service {
    let directory: String
    let denyList: DenyList

    func run() async throws {
        var seen: Date? = nil
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let modified =
                (try? FileManager.default.attributesOfItem(atPath: directory + "/ca.json"))?[.modificationDate] as? Date
            if modified != seen, let revocations = try? CertificateAuthority.revocations(in: directory) {
                denyList.replace(serials: revocations.serials, identities: revocations.identities)
                seen = modified
            }
            await pause(.milliseconds(500))
        }
    }
}

/// Sleeps, but wakes at once when the service group starts a graceful shutdown.
func pause(_ duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}
