import Agents
import Firewall
import Sandbox

/// The spawner's egress provider is the proxy's listeners.
extension EgressListeners: AgentEgressProvider {}

/// A task's way out: a listener of the proxy in its container's namespace, deciding as the agent the task runs for
/// (its caller, or `aios-agent-task` when the orchestrator or an operator runs it: the role the orchestrator grants
/// `net:connect` to per task).
struct TaskEgressListener: TaskEgress {
    let listeners: EgressListeners
    let agent: String

    var port: UInt16 { listeners.port }

    func open(container: String, pid: Int32) throws { try listeners.open(agent: agent, pid: pid, key: container) }

    func close(container: String) { listeners.close(key: container) }
}
