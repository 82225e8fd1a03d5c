import Agents
import Detection
import Firewall
import Guard
import Packages
import Sandbox

/// What the daemon runs or changes on callers' behalf beyond built-in tools: supervised agents, untrusted tasks and
/// the host firewall (each nil when this daemon does not: no root, no cgroups, no podman, no --firewall).
public struct Workers: Sendable {
    public let agents: AgentRegistry?
    public let tasks: TaskRunner?
    public let firewall: FirewallController?
    /// The network IDS's running sources (with the firewall: it blocks through it).
    public let intrusionDetection: IDSSources?
    /// People logged in on the machine and every program their sessions run (`serve --human-sessions`).
    public let humanSessions: HumanSessionRecorder?
    /// Every connection of the host into the ledger (with the firewall, whose rules turn connection tracking on).
    public let connections: ConnectionMonitor?
    /// The host IDS: processes, privilege changes, kernel modules (`serve --host-ids`).
    public let hostIDS: HostIDS?
    /// What humans must look at: escalations, the analysis's actions, suggestions only a human may act on.
    public let reviews: ReviewQueue?
    /// The analysis loop's state (`serve --analysis`); nil when it does not run.
    public let analysis: AnalysisStatus?
    /// Freezes one agent's cgroups (the host IDS's freeze response and the `sec.freeze_agent` response).
    public let freezer: (any AgentFreezer)?
    /// `pkg.install`, `pkg.update`, `pkg.remove`: sandboxed download, provenance, install (nil: no root).
    public let packages: PackageRequests?
    /// The agents' and tasks' egress proxy (nil: none, so a task's network is refused).
    public let egress: EgressListeners?

    public init(
        agents: AgentRegistry? = nil, tasks: TaskRunner? = nil, firewall: FirewallController? = nil,
        intrusionDetection: IDSSources? = nil, humanSessions: HumanSessionRecorder? = nil,
        connections: ConnectionMonitor? = nil, hostIDS: HostIDS? = nil, reviews: ReviewQueue? = nil,
        analysis: AnalysisStatus? = nil, freezer: (any AgentFreezer)? = nil, packages: PackageRequests? = nil,
        egress: EgressListeners? = nil
    ) {
        self.egress = egress
        self.packages = packages
        self.freezer = freezer
        self.analysis = analysis
        self.reviews = reviews
        self.connections = connections
        self.humanSessions = humanSessions
        self.hostIDS = hostIDS
        self.agents = agents
        self.tasks = tasks
        self.firewall = firewall
        self.intrusionDetection = intrusionDetection
    }
}
