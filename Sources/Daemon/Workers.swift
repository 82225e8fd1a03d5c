import Agents
import Sandbox

/// What the daemon starts on callers' behalf beyond built-in tools: supervised agents and untrusted tasks (each
/// nil when this daemon cannot: no root, no cgroups, no podman).
public struct Workers: Sendable {
    public let agents: AgentRegistry?
    public let tasks: TaskRunner?

    public init(agents: AgentRegistry? = nil, tasks: TaskRunner? = nil) {
        self.agents = agents
        self.tasks = tasks
    }
}
