import Capabilities
import Daemon

/// What the console needs from the running daemon: its core (policy, ledger, authority, pending calls), the gRPC
/// service whose handlers every action goes through, the workers (agents), and the console's own login state.
public struct ConsoleBackend: Sendable {
    public let core: DaemonCore
    /// The same handlers the gRPC API runs: an action from the console is decided and recorded by them.
    public let service: SecurityService
    public let workers: Workers
    public let links: LoginLinks
    public let sessions: ConsoleSessions
    public let allowed: AllowedClients
    /// New alerts and state changes for the pages (server-sent events); runs as a service of the console's server.
    public let feed: ConsoleFeed
    /// The certificates whose expiry the overview shows: a label and a PEM file each.
    public let expiries: [(label: String, path: String)]
    /// Who may log in with a client certificate; nil: certificate logins are off (no CA to check them against).
    public let certificates: OperatorCertificates?
    /// Refusals a peer can repeat at will (an address outside the allowed ones, a cookie from elsewhere): the first
    /// of each source and reason per window in full, the rest counted in one summary.
    public let refusals: RefusalRecorder
    /// The ledger verification started from the console, if any.
    public let verifyJobs: LedgerVerifyJobs

    public init(
        core: DaemonCore, service: SecurityService, workers: Workers, links: LoginLinks,
        sessions: ConsoleSessions = ConsoleSessions(), allowed: AllowedClients,
        certificates: OperatorCertificates? = nil, refusals: RefusalRecorder? = nil,
        expiries: [(label: String, path: String)] = [], verifyJobs: LedgerVerifyJobs = LedgerVerifyJobs()
    ) {
        self.core = core
        self.service = service
        self.workers = workers
        self.links = links
        self.sessions = sessions
        self.allowed = allowed
        feed = ConsoleFeed(core: core, workers: workers)
        self.expiries = expiries
        self.certificates = certificates
        self.refusals = refusals ?? RefusalRecorder(core: core)
        self.verifyJobs = verifyJobs
    }

    var now: Timestamp { core.clock.now() }
}
