/// Why an agent did not start (or could not be found). Every refusal has also been recorded in the ledger.
public enum AgentError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The policy names no such agent.
    case unknownAgent(String)
    case commandNotFound(String)
    /// Launching agents takes root (another uid, cgroups, namespaces).
    case notRoot
    /// A confinement step or the launch failed; nothing ran.
    case notStarted(String)
    /// The ledger could not record the spawn, so it did not happen.
    case unrecorded(String)
    case alreadyRunning(String)
    case notRunning(String)
    /// Manual mode: nothing starts until operators resume the system.
    case held(String)

    public var description: String {
        switch self {
        case .unknownAgent(let name): "no agent '\(name)' in the policy"
        case .commandNotFound(let name): "command not found: \(name)"
        case .notRoot: "launching agents needs root (another uid, cgroups, namespaces)"
        case .notStarted(let reason): "not started: \(reason)"
        case .unrecorded(let reason): "not started: the ledger could not record it: \(reason)"
        case .alreadyRunning(let name): "agent '\(name)' is already running"
        case .notRunning(let name): "agent '\(name)' is not running"
        case .held(let reason): "not started: \(reason)"
        }
    }
}
