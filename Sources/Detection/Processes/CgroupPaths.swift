/// Reading `/proc/PID/cgroup` lines (`HIERARCHY:CONTROLLERS:PATH`): whose agent a process is, and whether it runs
/// in a unit someone set up (systemd's `.service` and `.scope` cgroups).
public enum CgroupPaths {
    /// The path of one line (everything after the second colon; a path may itself hold colons).
    static func path(of line: String) -> Substring? {
        guard let first = line.firstIndex(of: ":") else { return nil }
        let rest = line[line.index(after: first)...]
        guard let second = rest.firstIndex(of: ":") else { return nil }
        return rest[rest.index(after: second)...]
    }

    /// The agent whose cgroup this is: a path `/PARENT/agent-NAME-LAUNCHER-SUFFIX[/…]` (the daemon's naming) in
    /// any hierarchy; the agent's name and its cgroup's path below the hierarchy's root (`PARENT/agent-…`).
    public static func agent(in lines: [String], parent: String) -> (agent: String, cgroup: String)? {
        let prefix = parent.split(separator: "/")
        guard !prefix.isEmpty else { return nil }
        for line in lines {
            guard let path = path(of: line) else { continue }
            let components = path.split(separator: "/")
            guard components.count > prefix.count, components.prefix(prefix.count).elementsEqual(prefix),
                let agent = agentName(components[prefix.count])
            else { continue }
            return (agent, components.prefix(prefix.count + 1).joined(separator: "/"))
        }
        return nil
    }

    /// `agent-NAME-LAUNCHER-SUFFIX` → NAME (a launcher pid and 8 hex digits, as the spawner names them).
    static func agentName(_ component: Substring) -> String? {
        let fields = component.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count >= 4, fields[0] == "agent", let launcher = Int32(fields[fields.count - 2]), launcher > 0,
            fields[fields.count - 1].count == 8, fields[fields.count - 1].allSatisfy(\.isHexDigit)
        else { return nil }
        return fields[1..<(fields.count - 2)].joined(separator: "-")
    }

    /// Whether a line's path is in a systemd unit (a `.service` or `.scope` component), or below one of `known`
    /// (absolute cgroup paths, whole components).
    public static func isManaged(_ lines: [String], known: [String]) -> Bool {
        for line in lines {
            guard let path = path(of: line) else { continue }
            let components = path.split(separator: "/")
            if components.contains(where: { $0.hasSuffix(".service") || $0.hasSuffix(".scope") }) { return true }
            for root in known {
                let prefix = root.split(separator: "/")
                if !prefix.isEmpty, components.count >= prefix.count,
                    components.prefix(prefix.count).elementsEqual(prefix)
                {
                    return true
                }
            }
        }
        return false
    }
}
