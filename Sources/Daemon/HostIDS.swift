import Agents
import Capabilities
import Detection
import Foundation
import Policy
import Sandbox
import ServiceLifecycle

/// The host IDS as the daemon runs it (`serve --host-ids`): the monitor and its kernel sources, started with the
/// daemon and stopped on graceful shutdown.
public struct HostIDS: Sendable {
    public let monitor: ProcessMonitor
    let connector: ProcConnector
    let auditLog: AuditLogReader?

    public init(monitor: ProcessMonitor, connector: ProcConnector, auditLog: AuditLogReader?) {
        self.monitor = monitor
        self.connector = connector
        self.auditLog = auditLog
    }

    /// Who the agents are for the IDS: the policy's accounts, and for each agent the programs it may run — its own
    /// command (as the registry started it) and every `--allow-exec` program its `process:spawn:NAME` grants allow,
    /// by canonical path (what `/proc/PID/exe` names). Grants are checked at each exec, so a grant made or revoked
    /// since is seen.
    public static func directory(
        policy: SecurityPolicy, authority: AuthorityStore, clock: any SecurityClock,
        executables: [String: AllowedExecutable], agents: AgentRegistry?, cgroupParent: String
    ) -> AgentDirectory {
        var uids: [UInt32: String] = [:]
        for (name, account) in policy.accounts { uids[account.uid] = name.rawValue }
        let programs = executables.mapValues { canonical($0.path) }
        return AgentDirectory(cgroupParent: cgroupParent, uids: uids) { agent in
            var allowed = Set<String>()
            let now = clock.now()
            for (name, path) in programs {
                guard let request = try? AccessRequest(namespace: "process", action: "spawn", resource: name),
                    authority.check(request, for: AgentName(agent), at: now).isAllowed
                else { continue }
                allowed.insert(path)
            }
            for status in agents?.list() ?? [] where status.agent == agent {
                if let first = status.command.first, let path = AgentSpawner.resolve(first) {
                    allowed.insert(canonical(path))
                }
            }
            return allowed
        }
    }

    /// The path with every symbolic link resolved (as the kernel names a running program).
    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// Freezes an offending agent: every cgroup below the agents' parent that the spawner named for it (its own and
/// those of the programs the Broker started for it). A frozen agent stays frozen until it is stopped (`agent stop`
/// kills a frozen cgroup) or an operator thaws it.
public struct CgroupFreezer: AgentFreezer {
    let tree: AgentCgroupTree

    public init(tree: AgentCgroupTree) { self.tree = tree }

    public func freeze(agent: String, cgroup: String?) throws {
        var frozen = 0
        for group in tree.groups where AgentCgroupName(group)?.agent == agent {
            try AgentCgroup(layout: tree.layout, existing: tree.parent + "/" + group).freeze(timeout: .seconds(2))
            frozen += 1
        }
        guard frozen > 0 else { throw CgroupError(message: "no cgroup of agent \(agent) is left to freeze") }
    }
}

/// The host IDS's sources for as long as the daemon runs.
struct HostIDSService: Service {
    let ids: HostIDS

    func run() async throws {
        ids.monitor.start(connector: ids.connector, auditLog: ids.auditLog)
        try? await gracefulShutdown()
        ids.monitor.stop()
    }
}
