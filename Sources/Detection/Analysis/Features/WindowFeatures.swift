/// The feature vector of a window of host events: what the local risk model scores. ``names`` are the model's
/// inputs in order; `models/train/features.py` defines the same names and arithmetic, and a model whose feature
/// names differ is refused.
public struct WindowFeatures: Sendable, Equatable {
    public static let names: [String] = WindowFeature.allCases.map(\.name)

    /// One value per name, in ``names``'s order.
    public let values: [Double]

    /// A vector given directly (a model's tests, the fuzzer); `values` must hold one value per name.
    public init(values: [Double]) {
        precondition(values.count == Self.names.count, "a feature vector has \(Self.names.count) values")
        self.values = values
    }

    /// The value of one feature.
    public subscript(_ feature: WindowFeature) -> Double { values[feature.rawValue] }
}

/// The features, in the model's order.
public enum WindowFeature: Int, CaseIterable, Sendable {
    case events, distinctAgents, failedResults
    case netEvents, netOutbound, netInbound, netLocal, netDistinctRemotesOut, netDistinctRemotesIn
    case netDistinctPortsIn, netMaxPortsPerPeerIn, netMaxConnectionsPerPeerIn, netSSHIn, netUncommonPortOut
    case netBytesOut, netMaxBytesOutPerDestination
    case authFailures, alerts, alertsHigh, alertsBruteForce, alertsPortScan, alertsProcess, alertsPrivilege
    case alertsModule
    case procExec, procFork, procDistinctPrograms, procShell, procNetworkTool, procPrivilegeTool
    case procTemporaryLocation, procMinerLike, procUIDToRoot, humanCommands, agentLifecycle
    case fileChanges, fileUnauthorized, fileSensitive, filePersistence, fileSystemBinaries, fileDistinctPaths

    /// The name in the exported model (snake case, as features.py spells it).
    public var name: String { Self.spelled[rawValue] }

    private static let spelled = [
        "events", "distinct_agents", "failed_results",
        "net_events", "net_outbound", "net_inbound", "net_local", "net_distinct_remotes_out", "net_distinct_remotes_in",
        "net_distinct_ports_in", "net_max_ports_per_peer_in", "net_max_connections_per_peer_in", "net_ssh_in",
        "net_uncommon_port_out", "net_bytes_out", "net_max_bytes_out_per_destination",
        "auth_failures", "alerts", "alerts_high", "alerts_brute_force", "alerts_port_scan", "alerts_process",
        "alerts_privilege", "alerts_module",
        "proc_exec", "proc_fork", "proc_distinct_programs", "proc_shell", "proc_network_tool", "proc_privilege_tool",
        "proc_temporary_location", "proc_miner_like", "proc_uid_to_root", "human_commands", "agent_lifecycle",
        "file_changes", "file_unauthorized", "file_sensitive", "file_persistence", "file_system_binaries",
        "file_distinct_paths",
    ]
}
