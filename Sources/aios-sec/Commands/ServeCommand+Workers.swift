import Agents
import ArgumentParser
import Audit
import Capabilities
import Daemon
import Detection
import Emergency
import Firewall
import Foundation
import Guard
import Policy
import Sandbox
import Secrets

/// What `serve` starts besides the gRPC server: the agents' spawners and cgroup tree, the firewall with its DNS
/// forwarder and IDS, the recorder of human sessions.
extension ServeCommand {
    /// Agents (and the programs the Broker starts for them) are launched when the daemon runs as root on a kernel
    /// with usable cgroups; otherwise SpawnAgent and process.spawn answer FAILED_PRECONDITION and say why. The
    /// agent's view holds the daemon's socket when it serves one; the daemon's protected directories (its state,
    /// ledger, `/var/lib/aios`, `/etc/aios`) are masked in every agent's view.
    /// `identities`: who gives each spawned agent its own identity (the Broker's programs get none).
    func agentSpawner(
        policy: SecurityPolicy, vault: KeyringVault, core: DaemonCore, action: String,
        identities: AgentIdentities? = nil, egress: EgressListeners? = nil, hold: SpawnHold
    ) -> AgentSpawner? {
        guard geteuid() == 0, let layout = try? CgroupLayout.detect() else { return nil }
        let ledger = core.ledger
        return AgentSpawner(
            policy: policy, vault: vault,
            confinement: AgentSpawner.Confinement(
                layout: layout, cgroupParent: agentCgroupParent, daemonSocket: socket,
                hidden: core.protected.directories, identities: identities, egress: egress),
            action: action, hold: hold,
            audit: { draft in if let error = ledger.append(contentsOf: [draft]).error { throw error } })
    }

    /// The agents' egress proxy (as root, unless --egress-port 0): connections decided by each agent's
    /// `net:connect` capabilities and grants at that moment, each recorded (`network_connection`, and `api_call` for
    /// the model APIs) off the proxy's event loop.
    /// Names are resolved by the daemon's DNS forwarder when it runs one and the proxy connects from the daemon's
    /// own namespace (so the firewall's outbound names bound every agent's), else by the system resolver.
    func startEgress(
        policy: SecurityPolicy, core: DaemonCore, firewall: FirewallController?, forwarder: DNSForwarder?
    ) throws -> (
        EgressListeners, EgressRecorder
    )? {
        guard geteuid() == 0, egressPort != 0 else { return nil }
        let resolve =
            forwarder.flatMap {
                egressNamespace == nil
                    ? EgressResolver.server($0.configuration.listen, port: $0.configuration.port) : nil
            }
            ?? EgressResolver.system
        let authorizer = EgressAuthorizer(core: core)
        let ledger = core.ledger
        let append: @Sendable ([AuditDraft]) -> Void = { drafts in
            if let error = ledger.append(contentsOf: drafts).error {
                FileHandle.standardError.write(Data("aios-sec: egress not recorded: \(error)\n".utf8))
            }
        }
        let recorder = EgressRecorder(clock: core.clock, append: append)
        let uploads = EgressUploadWatch(newFor: policy.egress.alertNewFor, clock: core.clock, append: append)
        do {
            let proxy = try EgressProxy(
                configuration: .init(policy.egress),
                outbound: try egressNamespace.map { try NamespaceThread(.named($0)) },
                authorize: { agent, destination in authorizer.decide(agent: agent, destination: destination) },
                resolve: resolve,
                record: { connection in
                    uploads.reached(connection)
                    recorder.record(connection)
                }, largeUpload: { connection in uploads.crossed(connection) })
            let ingress = AgentIngress(
                proxy: proxy,
                authorize: { agent, port in authorizer.decideListen(agent: agent, port: port) },
                publish: firewall.map { Self.inboundRule(in: $0) })
            return (EgressListeners(proxy: proxy, port: egressPort, ingress: ingress), recorder)
        } catch {
            printError("serve: the egress proxy cannot start: \(error)")
            throw ExitStatus.unavailable
        }
    }

    /// An agent's served port opened in the firewall (an inbound allow rule from anyone, a `policy_change` like
    /// every rule), and removed when the agent stops serving it.
    static func inboundRule(in firewall: FirewallController) -> AgentIngress.Publish {
        { agent, port in
            let rule = try firewall.allow(
                .inbound, transport: .tcp, ports: [port], peer: .any, by: "aios-sec",
                reason: "\(agent) holds net:listen:\(port)")
            return {
                _ = try? firewall.remove(id: rule.id, by: "aios-sec", reason: "\(agent) no longer serves \(port)")
            }
        }
    }

    /// With --human-sessions: the recorder of people's sessions (sshd's logins from the journal, with
    /// --ids-journal-directory when given; programs from the proc connector). A daemon asked to record that cannot
    /// does not start: it must not run believing it watches.
    func startHumanSessions(policy: SecurityPolicy, core: DaemonCore) throws -> HumanSessionRecorder? {
        guard humanSessions else { return nil }
        let ledger = core.ledger
        do {
            return HumanSessionRecorder(
                operators: policy.emergency.operators, connector: try ProcConnector(),
                journal: JournalFollower(directory: idsJournalDirectory, interval: .milliseconds(250)),
                audit: { drafts in if let error = ledger.append(contentsOf: drafts).error { throw error } })
        } catch {
            printError("serve: --human-sessions: the kernel's process events cannot be read: \(error)")
            throw error.isPermissionDenied ? ExitStatus.noPermission : ExitStatus.unavailable
        }
    }

    /// The policy this daemon enforces, by the hash of the text it parsed, in the ledger before anything else: a
    /// daemon that cannot record what it enforces does not start.
    func recordPolicyLoad(_ policy: SecurityPolicy, text: String, ledger: Ledger, directory: String) throws {
        do {
            let previous = try PolicyAudit.previousDigest(ledgerDirectory: directory)
            if let error = ledger.append(contentsOf: [PolicyAudit.loaded(policy, text: text, previous: previous)]).error
            {
                throw error
            }
        } catch {
            printError("serve: the ledger cannot record the policy's load: \(error)")
            throw ExitStatus.unavailable
        }
    }

    /// The human review queue (STATE/reviews.sqlite): kept whether or not the analysis runs, so items outlive a
    /// restart without it. A queue that cannot be opened stops the start: reviews must not vanish silently.
    func openReviewQueue(stateDirectory: String) throws -> ReviewQueue {
        do {
            return try ReviewQueue(path: stateDirectory + "/reviews.sqlite")
        } catch {
            printError("serve: \(error)")
            throw ExitStatus.unavailable
        }
    }

    /// With --host-ids: the host IDS on the kernel's process events and the audit system's seccomp records, freezing
    /// through the agents' cgroups; every process event goes to the events window (`processes`); `ids.kernel.modules_disabled` is applied here (one-way until reboot). A daemon
    /// asked to watch that cannot does not start.
    func startHostIDS(
        policy: SecurityPolicy, core: DaemonCore, executables: [String: AllowedExecutable], agents: AgentRegistry?
    ) throws -> HostIDS? {
        guard hostIDS else { return nil }
        let ledger = core.ledger
        let audit: AuditSink = { draft in if let error = ledger.append(contentsOf: [draft]).error { throw error } }
        do {
            let connector = try ProcConnector()
            let auditLog = try AuditLogReader()
            // Last, once the watch can start: the switch cannot be undone.
            if policy.ids.kernel.modulesDisabled {
                let state = try ModuleLock().engage()
                try audit(ModuleLock.draft(state))
            }
            let monitor = ProcessMonitor(
                policy: policy.ids,
                agents: HostIDS.directory(
                    policy: policy, authority: core.authority, clock: core.clock, executables: executables,
                    agents: agents, cgroupParent: agentCgroupParent),
                freezer: agentTree.map { CgroupFreezer(tree: $0) }, audit: audit,
                observe: { [events = core.events] observation in
                    events.publish(HostEvent(kind: .processes, time: observation.time, draft: observation.draft))
                })
            return HostIDS(monitor: monitor, connector: connector, auditLog: auditLog)
        } catch {
            printError("serve: --host-ids: \(error)")
            throw ExitStatus.unavailable
        }
    }

    /// With --fim: the real-time file integrity watch on the signed baseline (`fim init` made it), told by the
    /// Broker's announcements which changes are its own. A daemon asked to watch that cannot does not start.
    func startFileIntegrity(vault: KeyringVault, core: DaemonCore, announcements: AuthorizedChanges?) throws
        -> FIMWatcher?
    {
        guard fim, let announcements else { return nil }
        let ledger = core.ledger
        var configuration = FIMWatcher.Configuration()
        // The daemon's own writes (ledger, baseline, backups) are not the watch's business: they would feed it.
        configuration.ignoredPaths = [state.resolved]
        let watcher = FIMWatcher(
            baselinePath: state.resolved + "/fim/baseline.db", key: BaselineKey(vault: vault),
            configuration: configuration, authorized: announcements,
            record: { drafts in if let error = ledger.append(contentsOf: drafts).error { throw error } },
            observe: { [events = core.events] event in events.publish(event) })
        do {
            try watcher.start()
        } catch {
            printError("serve: --fim: \(error)")
            throw error.isPermissionDenied
                ? ExitStatus.noPermission : error.isUnavailable ? ExitStatus.unavailable : ExitStatus.dataError
        }
        let backends = watcher.backends.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.rawValue))" }
        print("aios-sec serve: fim watch on \(backends.joined(separator: ", "))")
        return watcher
    }

    /// The previous daemon on this state ended without shutting down: killed (SIGKILL, the OOM killer) or crashed.
    /// Anything could have happened while nothing watched, so it is an alert.
    static func uncleanEnd(of previous: DaemonRuntime) -> AuditDraft {
        AuditDraft(
            eventType: .securityAlert, agent: "aios-sec", action: "daemon.unclean_end", target: "pid \(previous.pid)",
            result: .failure, riskLevel: .high,
            details: .object([
                ("previous_pid", .integer(Int64(previous.pid))), ("address", .string(previous.address)),
                ("reason", .string("the previous daemon was killed or crashed: it did not shut down")),
            ]))
    }

    /// Every agent's cgroup at once (the emergency stop freezes it whole); nil when this daemon launches no agents.
    var agentTree: AgentCgroupTree? {
        guard geteuid() == 0, let layout = try? CgroupLayout.detect() else { return nil }
        return AgentCgroupTree(layout: layout, parent: agentCgroupParent)
    }

    /// With --firewall: the controller (the table applied now, by the daemon) and the DNS forwarder when the policy
    /// names DNS servers. A table that cannot be applied stops the start: a daemon must not run believing it guards
    /// a network it does not.
    func startFirewall(policy: SecurityPolicy, state: String, core: DaemonCore) throws -> (
        FirewallController?, DNSForwarder?
    ) {
        guard firewall else { return (nil, nil) }
        if policy.firewall.management.isEmpty && !allowNoManagement {
            printError(
                "serve: --firewall: the policy names no management subnet (firewall.management); set it, or pass "
                    + "--allow-no-management")
            throw ExitStatus.usage
        }
        let ledger = core.ledger
        return try firewallCall { () throws(FirewallError) in
            let nftables = try Nftables()
            let controller = try FirewallController(
                policy: policy.firewall, nftables: nftables, stateFile: state + "/firewall/rules.json",
                record: { drafts in if let error = ledger.append(contentsOf: drafts).error { throw error } })
            try controller.apply(by: "daemon", reason: "daemon start")
            guard !policy.firewall.dns.servers.isEmpty else { return (controller, nil) }
            let forwarder = DNSForwarder(
                configuration: .init(policy.firewall.dns), allowSets: controller.allowSets, thread: nftables.thread)
            try forwarder.start()
            return (controller, forwarder)
        }
    }

    /// With --firewall (its `ct state` rules turn connection tracking on): every connection into the ledger, per
    /// flow and minute, attributed to an agent by its socket's cgroup or uid. A daemon asked for the firewall that
    /// cannot read connection tracking does not start: it must not run believing it records connections.
    func startConnectionAudit(policy: SecurityPolicy, core: DaemonCore) throws -> ConnectionMonitor {
        let ledger = core.ledger
        let events = core.events
        let index = agentTree.flatMap(AgentCgroupIndex.init(tree:))
        var byUID: [UInt32: String] = [:]
        for (agent, account) in policy.accounts { byUID[account.uid] = agent.description }
        do {
            let local = LocalAddresses()
            return ConnectionMonitor(
                reader: try ConntrackReader(), owners: try SocketOwnerLookup(), isLocal: { local.contains($0) },
                attribution: .init(agentsByUID: byUID, agentOfCgroup: { index?.agent(ofCgroup: $0) }),
                audit: { draft in if let error = ledger.append(contentsOf: [draft]).error { throw error } },
                observe: { events.publish($0) })
        } catch {
            printError("serve: --firewall: the kernel's connection tracking cannot be read: \(error)")
            throw ExitStatus.unavailable
        }
    }

    /// With --firewall: the network IDS on the firewall's NFLOG group (every new inbound TCP attempt) and, with
    /// --ids-auth-log or --ids-journal, sshd's log; it blocks through the firewall's blocklist and records each detection.
    func startIntrusionDetection(policy: SecurityPolicy, firewall: FirewallController, core: DaemonCore) throws
        -> IDSSources
    {
        let ledger = core.ledger
        let ids = NetworkIDS(
            policy: policy.ids, blocker: FirewallBlocker(firewall),
            audit: { draft in if let error = ledger.append(contentsOf: [draft]).error { throw error } },
            clock: SystemClock())
        do {
            let nflog = try NFLogReader(group: RulesetRenderer.inboundAttemptLogGroup)
            return IDSSources(
                ids: ids, nflog: nflog, tail: idsAuthLog.map { LogTail(path: $0) },
                journal: idsJournal ? JournalFollower(directory: idsJournalDirectory) : nil)
        } catch {
            printError(
                "serve: --firewall: the IDS cannot read NFLOG group \(RulesetRenderer.inboundAttemptLogGroup): \(error)"
            )
            throw ExitStatus.unavailable
        }
    }
}
