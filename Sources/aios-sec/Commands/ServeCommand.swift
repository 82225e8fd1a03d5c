import Agents
import ArgumentParser
import Audit
import Capabilities
import Console
import Daemon
import Detection
import Emergency
import Firewall
import Foundation
import PKI
import Packages
import Policy
import Sandbox
import Secrets
import ServiceLifecycle
import Synchronization

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the security daemon: gRPC over mTLS, the Gate, the Broker, grants, the audit ledger.",
        discussion: """
            On first start with an empty state directory it creates the internal CA, its own server certificate and
            one client identity per agent in policy plus `orchestrator` and `operator-admin` (STATE/identities/NAME:
            key.pem 0600, cert.pem, bundle.pem), and opens the ledger. The CA's keys are sealed with --ca-key-file,
            AIOS_PASSPHRASE, or by default a key kept only in the keyring vault (see the README). SIGTERM or SIGINT
            shuts down gracefully.
            """
    )

    @OptionGroup var state: StateOptions
    @OptionGroup var policyOptions: PolicyOptions
    @OptionGroup var vault: VaultOptions
    @OptionGroup(title: "Connection limits") var connectionLimits: ConnectionLimitOptions

    @Option(help: "The gRPC API's address, HOST:PORT (loopback by default; port 0 picks a free one).")
    var listen = "127.0.0.1:9091"
    @Option(
        help: """
            The web management console's address, HOST:PORT (HTTPS with the daemon's certificate; answers only \
            loopback and the policy's management subnets), or `off`. HOST is a loopback address, one in a management \
            subnet, or 0.0.0.0; the server certificate names it (with 0.0.0.0, this machine's management addresses). \
            Port 9090 is the one the firewall opens to the management subnets. Operators log in with a one-time link \
            (console login) or their client certificate (console certificate).
            """)
    var console = "127.0.0.1:9090"
    @Option(help: "Listen on this Unix socket instead of TCP.") var socket: String?
    @Option(help: "Seal the CA's keys with this key file (at least 32 bytes).") var caKeyFile: String?
    @Option(
        name: .customLong("allow-exec"),
        help: "A program process.spawn may start inside the calling agent's sandbox, NAME=PATH (repeatable).")
    var executables: [String] = []
    @Option(
        name: .customLong("allow-exec-args"),
        help: "The pattern (a regular expression) each argument of program NAME must match whole, NAME=REGEX.")
    var executableArguments: [String] = []
    @Option(help: "The cgroup folder spawned agents' cgroups go under (the emergency stop freezes it whole).")
    var agentCgroupParent = "aios"
    @Flag(
        help: """
            Manage this machine's firewall: apply the policy's table (inet aios) at start, run the DNS forwarder,             serve ChangeFirewall/ListFirewall. Off by default: it changes the host's network.
            """)
    var firewall = false
    @Flag(help: "With --firewall: apply even though the policy names no management subnet.")
    var allowNoManagement = false
    @Option(help: "With --firewall: sshd's log for the IDS's brute-force rule (followed with inotify).")
    var idsAuthLog: String?
    @Flag(
        help: """
            With --firewall: read sshd's lines from the systemd journal instead, counting only entries journald \
            attributes to sshd's executable running as root (see docs/ids.md).
            """)
    var idsJournal = false
    @Option(help: "With --ids-journal or --human-sessions: a journal directory to read instead of the system journal.")
    var idsJournalDirectory: String?
    @Option(help: "Seconds a high-risk call waits for the orchestrator's confirmation.")
    var confirmationTimeout = 60
    @Option(
        help: """
            How long the certificates the daemon issues live (e.g. 24h, 10m; 10s to 30d). Each is renewed at 2/3 \
            of its life without a restart.
            """)
    var identityLifetime = "24h"
    @Flag(
        help: """
            Record people's sessions: logins from sshd's journal entries and every program their sessions run, from \
            the kernel's process events (human_session and human_command entries; Status lists who is logged in). \
            Needs root in the host's PID namespace (see docs/ssh-console.md).
            """)
    var humanSessions = false
    @Flag(
        name: .customLong("host-ids"),
        help: """
            Run the host IDS: every exec, uid and gid change from the kernel's process events, /proc/modules, and the \
            agents' refused module calls from the audit system; findings are security_alert entries (policy \
            ids.processes and ids.kernel, see docs/host-ids.md). Needs root in the host's PID namespace.
            """)
    var hostIDS = false
    @Flag(
        help: """
            Watch the file integrity baseline's paths in real time (STATE/fim/baseline.db, made by fim init): \
            changes not made by the Broker are recorded as security_alert and file_modification entries.
            """)
    var fim = false
    @Flag(
        help: """
            Run the AI analysis loop (policy analysis:, see docs/analysis.md): every interval the recent events are \
            scored by the local model (loaded only when its files match a manifest signed by a pinned key), a risky \
            window is escalated to the Messages API (key from the vault) and a validated verdict carried out \
            through the Gate as the security agent; everything lands in the ledger and the review queue.
            """)
    var analysis = false
    @Option(help: "The kernel command line, read for aios.mode=manual (start in manual mode).")
    var kernelCmdline = "/proc/cmdline"
    @Option(
        help: """
            The agents' egress proxy: its port on 127.0.0.1 inside each agent's network namespace (0: agents get no \
            way out at all).
            """)
    var egressPort: UInt16 = 3128
    @Option(help: "The network namespace (ip netns NAME) the egress proxy connects from (default: the daemon's own).")
    var egressNamespace: String?

    /// --identity-lifetime in seconds.
    private func parseIdentityLifetime() throws -> TimeInterval {
        guard let duration = try? GrantDuration(parsing: identityLifetime), duration.milliseconds >= 10_000,
            duration.milliseconds <= 30 * 86_400_000
        else {
            printError("serve: --identity-lifetime '\(identityLifetime)' must be a duration from 10s to 30d (e.g. 24h)")
            throw ExitStatus.usage
        }
        return TimeInterval(duration.milliseconds) / 1000
    }

    func run() async throws {
        try refuseCoreDumps()
        let address = try parseAddress()
        let executables = try parseExecutables()
        let lifetime = try parseIdentityLifetime()
        if idsJournal && idsAuthLog != nil {
            printError("serve: --ids-journal and --ids-auth-log read the same lines twice; give one")
            throw ExitStatus.usage
        }
        if idsJournalDirectory != nil && !idsJournal && !humanSessions {
            printError("serve: --ids-journal-directory needs --ids-journal or --human-sessions")
            throw ExitStatus.usage
        }
        let (policy, policyText) = try policyOptions.loadText()
        let consoleBinding = try consoleAddress()
        var consoleHosts: [String] = []
        if let binding = consoleBinding {
            do {
                consoleHosts = try ConsoleHosts.certificateNames(
                    forBinding: binding.host, management: policy.firewall.management)
            } catch {
                printError("serve: \(error)")
                throw ExitStatus.usage
            }
        }
        let daemonState = DaemonState(directory: state.resolved, extraServerHosts: consoleHosts)
        try FileManager.default.createDirectory(
            atPath: daemonState.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let lock: StateLock
        do {
            lock = try StateLock(stateDirectory: daemonState.directory)
        } catch {
            printError("serve: \(error)")
            throw ExitStatus.unavailable
        }
        defer { withExtendedLifetime(lock) {} }
        let target = try vault.open()
        var source: (any SealingKeySource)? = nil
        if caKeyFile != nil || ProcessInfo.processInfo.environment["AIOS_PASSPHRASE"] != nil {
            source = try KeySourceOptions(passphraseFile: nil, keyFile: caKeyFile).source(confirm: false)
        }
        let prepared = source
        let authority = try pkiCall { () throws(PKIError) in
            try daemonState.prepare(policy: policy, vault: target, keySource: prepared, lifetime: lifetime)
        }
        let denyList = authority.denyList()
        let ledger = try auditCall { () throws(AuditError) in
            try Ledger(directory: daemonState.ledger, signer: try AuditKeys.loadOrCreate(in: daemonState.ledger))
        }
        // Made now (when this daemon can spawn agents) so that agents' views mask it like the other protected
        // directories.
        let identityBase = geteuid() == 0 ? try? AgentIdentities.base() : nil
        let protected = ProtectedPaths(
            stateDirectory: daemonState.directory, ledgerDirectory: daemonState.ledger,
            policyFile: policyOptions.file, additional: policy.protectedPaths + (identityBase.map { [$0] } ?? []))
        let core = DaemonCore(
            policy: policy, ledger: ledger, ledgerDirectory: daemonState.ledger, denyList: denyList,
            confirmationTimeout: .seconds(confirmationTimeout), protected: protected)
        try recordPolicyLoad(policy, text: policyText, ledger: ledger, directory: daemonState.ledger)
        let (firewall, forwarder) = try startFirewall(policy: policy, state: daemonState.directory, core: core)
        defer { forwarder?.stop() }
        let intrusionDetection = try firewall.map {
            try startIntrusionDetection(policy: policy, firewall: $0, core: core)
        }
        let shared = SharedAuthority(authority)
        let agentIdentities = AgentIdentities(
            issuer: IdentityIssuer(state: daemonState, authority: shared, lifetime: lifetime), denyList: denyList,
            record: { draft in _ = ledger.append(contentsOf: [draft]) })
        if geteuid() == 0 { agentIdentities.reclaimOrphans() }
        // One hold for every spawner: in manual mode nothing starts, whoever asks.
        let hold = SpawnHold()
        let announcements = fim ? AuthorizedChanges() : nil
        let broker = Broker(
            executables: executables, protected: protected,
            backups: BackupStore(directory: daemonState.directory + "/backups"),
            spawner: agentSpawner(
                policy: policy, vault: target, core: core, action: "broker.process.spawn", hold: hold),
            announcements: announcements)
        let fileWatch = try startFileIntegrity(vault: target, core: core, announcements: announcements)
        defer { fileWatch?.stop() }
        let egress = try startEgress(policy: policy, core: core, firewall: firewall, forwarder: forwarder)
        defer {
            egress?.0.proxy.shutdown()
            egress?.1.close()
        }
        let agents = agentSpawner(
            policy: policy, vault: target, core: core, action: "daemon.spawn", identities: agentIdentities,
            egress: egress?.0, hold: hold
        ).map { AgentRegistry(spawner: $0) }
        let workers = Workers(
            agents: agents, tasks: geteuid() == 0 ? try? TaskRunner.locate() : nil, firewall: firewall,
            intrusionDetection: intrusionDetection, humanSessions: try startHumanSessions(policy: policy, core: core),
            connections: try firewall.map { _ in try startConnectionAudit(policy: policy, core: core) },
            hostIDS: try startHostIDS(policy: policy, core: core, executables: executables, agents: agents),
            reviews: try openReviewQueue(stateDirectory: daemonState.directory),
            analysis: analysis ? AnalysisStatus() : nil, freezer: agentTree.map { CgroupFreezer(tree: $0) },
            packages: geteuid() == 0
                ? try PackageRequests(
                    policy: policy.packages, directory: daemonState.directory + "/packages",
                    runtime: policy.sandbox.runtime,
                    protectedPaths: policy.packages.protectedPaths + core.policy.protectedPaths) : nil,
            egress: egress?.0)
        let stopper = EmergencyStopper(
            core: core,
            machinery: .init(
                agentTree: agentTree, agents: workers.agents, hold: hold,
                killBrokerPrograms: { [broker] in broker.killAllPrograms() }, tasks: workers.tasks,
                stateFile: ManualModeFile(stateDirectory: daemonState.directory)))
        let directory = daemonState.directory
        let consoleServer = consoleBinding.map { host, port in
            let server = daemonState.identity(DaemonState.serverIdentity)
            return ConsoleServer(
                backend: ConsoleBackend(
                    core: core,
                    service: SecurityService(
                        core: core, broker: broker, workers: workers, agentIdentities: agentIdentities,
                        stopper: stopper),
                    workers: workers, links: LoginLinks(stateDirectory: directory),
                    allowed: AllowedClients(management: policy.firewall.management),
                    certificates: OperatorCertificates(pkiDirectory: daemonState.pki, denyList: denyList),
                    expiries: [
                        ("the daemon's certificate and its CA", server.certificatePath),
                        ("the CA's root", daemonState.pki + "/root.pem"),
                    ]),
                host: host, port: port, certificatePath: server.certificatePath, keyPath: server.keyPath,
                trustRootPath: daemonState.pki + "/root.pem",
                started: { bound in
                    try? ConsoleAddress.write(bound, stateDirectory: directory)
                    print("aios-sec serve: console on https://\(bound)/ (aios-sec console login --operator NAME)")
                    fflush(nil)
                })
        }
        let analysisService = try await startAnalysis(
            policy: policy, core: core,
            service: SecurityService(
                core: core, broker: broker, workers: workers, agentIdentities: agentIdentities, stopper: stopper),
            workers: workers, vault: target)
        let companions: [any Service] = [consoleServer as (any Service)?, analysisService].compactMap { $0 }
        let server = DaemonServer(
            core: core, state: daemonState, authority: shared, address: address, broker: broker, workers: workers,
            connectionLimits: connectionLimits.limits, identityLifetime: lifetime, agentIdentities: agentIdentities,
            stopper: stopper, kernelCommandLine: KernelCommandLine(path: kernelCmdline), companions: companions)
        let parent = agentCgroupParent
        if let previous = DaemonRuntime.read(stateDirectory: directory), previous.endedAt == nil {
            await core.recordOrReport(Self.uncleanEnd(of: previous))
        }
        let boundAddress = Mutex("")
        defer {
            // An orderly end (a signal, or an error the daemon handled) is noted; a kill or a crash is not, and the
            // next daemon reports it.
            let ended = DaemonRuntime(
                pid: getpid(), address: boundAddress.withLock { $0 }, agentCgroupParent: parent,
                endedAt: SystemClock().now().rfc3339)
            try? ended.write(stateDirectory: directory)
        }
        try await server.run { bound in
            boundAddress.withLock { $0 = bound }
            let runtime = DaemonRuntime(
                pid: getpid(), address: bound, agentCgroupParent: parent)
            try? runtime.write(stateDirectory: directory)
            print("aios-sec serve: listening on \(bound) (mTLS)")
            print("  policy:     \(policy.source)")
            print("  ledger:     \(directory)/audit   (aios-sec audit query --state-dir \(directory))")
            print(
                "  identities: \(directory)/identities/{\(DaemonState.serverIdentity),orchestrator,operator-admin,<agent>}"
            )
            print(
                "  try:        aios-sec call status --server \(bound) --identity \(directory)/identities/orchestrator")
            fflush(nil)
        }
    }

    /// --console: nil when `off`.
    private func consoleAddress() throws -> (host: String, port: Int)? {
        guard console != "off" else { return nil }
        guard let colon = console.lastIndex(of: ":"), let port = Int(console[console.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            printError("serve: --console '\(console)' must be HOST:PORT or off")
            throw ExitStatus.usage
        }
        return (String(console[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
    }

    private func parseAddress() throws -> DaemonServer.Address {
        if let socket { return .unix(path: socket) }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port)
        else {
            printError("serve: --listen '\(listen)' must be HOST:PORT")
            throw ExitStatus.usage
        }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return .tcp(host: host, port: port)
    }

    private func parseExecutables() throws -> [String: AllowedExecutable] {
        var patterns: [String: String] = [:]
        for entry in executableArguments {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, executables.contains(where: { $0.hasPrefix(parts[0] + "=") }) else {
                printError("serve: --allow-exec-args '\(entry)' must be NAME=REGEX for a NAME given to --allow-exec")
                throw ExitStatus.usage
            }
            patterns[parts[0]] = parts[1]
        }
        var result: [String: AllowedExecutable] = [:]
        for entry in executables {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[1].hasPrefix("/"), FileManager.default.isExecutableFile(atPath: parts[1])
            else {
                printError("serve: --allow-exec '\(entry)' must be NAME=/absolute/executable")
                throw ExitStatus.usage
            }
            do {
                result[parts[0]] = try AllowedExecutable(
                    path: parts[1], argumentPattern: patterns[parts[0]] ?? AllowedExecutable.defaultArgumentPattern)
            } catch {
                printError("serve: --allow-exec-args for '\(parts[0])': not a regular expression (\(error))")
                throw ExitStatus.usage
            }
        }
        return result
    }
}

/// `--state-dir DIR`: where the product keeps its state.
struct StateOptions: ParsableArguments {
    @Option(
        name: .customLong("state-dir"),
        help: """
            State directory (default: $AIOS_STATE_DIR; else /var/lib/aios when run as a systemd service, \
            ./.aios otherwise).
            """)
    var directory: String?

    var resolved: String {
        if let directory { return directory }
        let environment = ProcessInfo.processInfo.environment
        if let fromEnvironment = environment["AIOS_STATE_DIR"], !fromEnvironment.isEmpty { return fromEnvironment }
        if environment["INVOCATION_ID"] != nil { return "/var/lib/aios" }
        return FileManager.default.currentDirectoryPath + "/.aios"
    }
}
