import Audit
import Capabilities
import Foundation
import Policy
import Sandbox
import Secrets

/// Records one ledger entry; throwing means it was not recorded (and the action must not happen).
public typealias AgentAuditSink = @Sendable (AuditDraft) throws -> Void

/// Starts a command as an agent, in this order: its secrets copied into its own keyring; when confined, its
/// cgroup with the role's limits, then a child that gets the agent's namespaces (PID, mount, network, IPC, UTS),
/// its private filesystem view, `no_new_privs`, Landlock from its `fs:` capabilities, its uid, the seccomp
/// filter; the child joins the cgroup and gets the keyring before it may exec. Fails closed: if any step cannot
/// be applied nothing runs, and the refusal is recorded.
public struct AgentSpawner: Sendable {
    public struct Confinement: Sendable {
        public let layout: CgroupLayout
        /// The cgroup folder every agent's cgroup goes under (the emergency stop freezes and kills it whole).
        public let cgroupParent: String
        /// The daemon's Unix socket, the one socket bound into the agent's view; nil: none.
        public let daemonSocket: String?
        public let viewRoot: String
        /// Directories masked in the view beyond ``AgentConfinement/socketDirectories`` (the state directory).
        public let hidden: [String]
        /// Who gives each agent its own identity (nil: none, as for programs the Broker starts in a sandbox).
        public let identities: (any AgentIdentityProvider)?
        /// Who gives each agent its egress proxy (nil: the agent has no way out of its namespace at all).
        public let egress: (any AgentEgressProvider)?

        public init(
            layout: CgroupLayout, cgroupParent: String, daemonSocket: String?, hidden: [String] = [],
            identities: (any AgentIdentityProvider)? = nil, egress: (any AgentEgressProvider)? = nil,
            viewRoot: String = AgentConfinement.defaultViewRoot
        ) {
            self.egress = egress
            self.layout = layout
            self.cgroupParent = cgroupParent
            self.daemonSocket = daemonSocket
            self.identities = identities
            self.hidden = hidden
            self.viewRoot = viewRoot
        }
    }

    public let policy: SecurityPolicy
    public let vault: KeyringVault
    /// nil: only the uid, the keyring and `no_new_privs` (`secrets exec`).
    public let confinement: Confinement?
    public let audit: AgentAuditSink
    /// The ledger's action name for spawns (`sandbox.run`, `daemon.spawn`, …).
    public let action: String
    /// Engaged in manual mode: every start is refused.
    public let hold: SpawnHold

    public init(
        policy: SecurityPolicy, vault: KeyringVault, confinement: Confinement?, action: String,
        hold: SpawnHold = SpawnHold(), audit: @escaping AgentAuditSink
    ) {
        self.hold = hold
        self.policy = policy
        self.vault = vault
        self.confinement = confinement
        self.action = action
        self.audit = audit
    }

    /// The agent's standard input, output and error; nil is /dev/null (an agent never inherits the launcher's
    /// terminal by default; `sandbox run` passes its own on purpose). Whatever they are, the agent runs in a session
    /// of its own without a controlling terminal.
    public struct Stdio: Sendable {
        public var input: Int32?
        public var output: Int32?
        public var error: Int32?
        public init(input: Int32? = nil, output: Int32? = nil, error: Int32? = nil) {
            self.input = input
            self.output = output
            self.error = error
        }
    }

    /// `requestedBy` names who asked (a caller, `watchdog` for a restart) in the ledger entry.
    public func spawn(
        agent: String, command: [String], stdio: Stdio = Stdio(), requestedBy: String? = nil
    ) throws(AgentError) -> RunningAgent {
        if let reason = hold.heldBecause { throw .held(reason) }
        let name = AgentName(agent)
        guard let account = policy.accounts[name] else { throw .unknownAgent(agent) }
        guard geteuid() == 0 else { throw .notRoot }
        guard let executable = Self.resolve(command.first ?? "") else {
            throw .commandNotFound(command.first ?? "(none)")
        }
        var record = SpawnRecord(
            agent: agent, action: action, executable: executable, uid: account.uid, requestedBy: requestedBy)
        var identity: String? = nil
        do {
            if let provider = confinement?.identities {
                identity = try provider.provide(agent: agent, uid: account.uid, gid: account.gid)
            }
            let (ring, secrets) = try provideSecrets(to: name)
            record.secrets = secrets
            let capabilities = policy.authority().capabilitySet().holdings(of: name).map(\.capability)
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            guard null >= 0 else { throw LaunchError(step: "opening /dev/null", errno: errno) }
            defer { close(null) }
            var spec = LaunchSpec(
                executable: executable, arguments: command, environment: environment(agent, identity: identity),
                identity: (account.uid, account.gid), ownSessionKeyring: true, standardInput: stdio.input ?? null,
                standardOutput: stdio.output ?? null, standardError: stdio.error ?? null)
            var limits: CgroupLimits? = nil
            if let confinement {
                let confined = AgentConfinement(
                    capabilities: capabilities, runtime: policy.sandbox.runtime,
                    scratchBytes: policy.sandbox.scratch.bytes, daemonSocket: confinement.daemonSocket,
                    identity: identity, hidden: confinement.hidden, viewRoot: confinement.viewRoot)
                try FileManager.default.createDirectory(
                    atPath: confinement.viewRoot, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
                spec.landlock = confined.landlock
                spec.landlockNetwork = confined.network
                if let egress = confinement.egress, spec.landlockNetwork.handled & LandlockNetwork.connect != 0 {
                    // The proxy's port, whatever the agent holds: what it may reach through it is decided per
                    // connection, with the grants of that moment.
                    spec.landlockNetwork.ports[egress.port, default: 0] |= LandlockNetwork.connect
                }
                spec.filesystem = confined.view
                spec.namespaces = .agent
                spec.seccomp = try SeccompFilter.agent.get()
                limits = cgroupLimits(for: name, writable: confined.view.mounts)
                record.limits = limits
                record.landlockRules = confined.landlock.count
            }
            // The child builds its namespaces and view while this side makes its cgroup: it runs nothing of the
            // agent until released, after it has joined the cgroup and holds its keys.
            let child = try PendingProcess(spec)
            var cgroup: AgentCgroup? = nil
            do {
                if let confinement, let limits {
                    cgroup = try AgentCgroup(
                        layout: confinement.layout, parent: confinement.cgroupParent,
                        name: AgentCgroupName(agent: agent, launcher: getpid()).description, limits: limits)
                    try cgroup?.add(pid: child.pid)
                }
                try ring.link(into: KeySerial(rawValue: child.sessionKeyring))
                // A view the child could not build (a planted link, a missing path) is a refusal, not a start.
                try child.waitUntilPrepared()
                try confinement?.egress?.open(agent: agent, pid: child.pid, serving: Self.servedPorts(spec))
                record.pid = child.pid
                try audit(record.draft(.success, reason: nil))
                try child.release()
                return RunningAgent(agent: agent, executable: executable, process: child, cgroup: cgroup)
            } catch {
                confinement?.egress?.close(agent: agent)
                child.abandon()
                try? cgroup?.kill()
                cgroup?.remove()
                throw error
            }
        } catch let error as AgentError {
            if identity != nil { withdrawIdentity(of: agent) }
            throw error
        } catch {
            if identity != nil { withdrawIdentity(of: agent) }
            let reason = "\(error)"
            do {
                try audit(record.draft(.failure, reason: reason))
            } catch {
                throw .unrecorded("\(error)")
            }
            throw .notStarted(reason)
        }
    }

    private func provideSecrets(to agent: AgentName) throws(SecretsError) -> (AgentKeyring, [String]) {
        let readable = try AgentSecrets.readable(by: agent, in: vault, policy: policy)
        let ring = try AgentKeyring.openOrCreate(agent: agent.rawValue, in: vault)
        try ring.provide(readable, from: vault, ttl: { AgentSecrets.copyTTL(of: $0, in: policy) })
        return (ring, readable)
    }

    /// The role's limits; I/O throttled on the disks under the root filesystem and every writable mount.
    private func cgroupLimits(for agent: AgentName, writable mounts: [FilesystemView.Mount]) -> CgroupLimits {
        let limits = policy.limits(of: agent)
        let paths = ["/"] + mounts.filter { $0.kind == .readWrite }.map(\.source)
        return CgroupLimits(
            cpuPercent: limits.cpuPercent, memoryBytes: limits.memory.bytes, pids: limits.pids,
            ioBytesPerSecond: limits.ioPerSecond.bytes, ioDevices: BlockDevice.wholeDisks(under: paths))
    }

    /// What an agent finds in its environment: its name, and the daemon's socket and its own identity directory
    /// (key.pem, cert.pem, bundle.pem) when it has them — what `SecurityClient.from_environment()` reads.
    private func environment(_ agent: String, identity: String?) -> [String] {
        var environment = [
            "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=\(confinement == nil ? "/" : AgentConfinement.scratch)",
            "LANG=C.UTF-8", "AIOS_AGENT=\(agent)",
        ]
        if let socket = confinement?.daemonSocket { environment.append("AIOS_SOCKET=\(socket)") }
        if let identity { environment.append("AIOS_IDENTITY=\(identity)") }
        if let egress = confinement?.egress {
            environment += ProxyEnvironment.variables(port: egress.port).map { "\($0.name)=\($0.value)" }
        }
        return environment
    }

    /// The ports the agent's `net:listen:PORT` capabilities name (none when it may bind every port: which of them
    /// to serve from outside is then unknown).
    static func servedPorts(_ spec: LaunchSpec) -> [UInt16] {
        let network = spec.landlockNetwork
        guard network.handled & LandlockNetwork.bind != 0 else { return [] }
        return network.ports.filter { $0.value & LandlockNetwork.bind != 0 }.keys.sorted()
    }

    /// The agent has stopped for good (not a restart): its identity is destroyed.
    public func withdrawIdentity(of agent: String) {
        confinement?.identities?.withdraw(agent: agent)
        confinement?.egress?.close(agent: agent)
    }

    /// An absolute path as given, or the first match in PATH.
    public static func resolve(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}

/// What the ledger says about one spawn.
struct SpawnRecord {
    let agent: String
    let action: String
    let executable: String
    let uid: UInt32
    let requestedBy: String?
    var secrets: [String] = []
    var limits: CgroupLimits? = nil
    var landlockRules: Int? = nil
    var pid: Int32? = nil

    func draft(_ result: AuditResult, reason: String?) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [
            ("uid", .number(Double(uid))), ("secrets", .array(secrets.map { .string($0) })),
            ("confined", .bool(limits != nil)),
        ]
        if let pid { details.append(("pid", .number(Double(pid)))) }
        if let requestedBy { details.append(("requested_by", .string(requestedBy))) }
        if let landlockRules { details.append(("landlock_rules", .number(Double(landlockRules)))) }
        if let limits {
            details.append(
                (
                    "limits",
                    .object([
                        ("cpu_percent", .number(Double(limits.cpuPercent))),
                        ("memory_bytes", .number(Double(limits.memoryBytes))),
                        ("pids", .number(Double(limits.pids))),
                        ("io_bytes_per_second", .number(Double(limits.ioBytesPerSecond ?? 0))),
                    ])
                ))
        }
        if let reason { details.append(("reason", .string(reason))) }
        return AuditDraft(
            eventType: .agentSpawn, agent: agent, action: action, target: executable,
            capabilitiesUsed: secrets.map { "secret:read:\($0)" }, result: result, riskLevel: .medium,
            details: .object(details))
    }
}
