import Agents
import Firewall

/// The spawner's egress provider is the proxy's listeners.
extension EgressListeners: AgentEgressProvider {}
