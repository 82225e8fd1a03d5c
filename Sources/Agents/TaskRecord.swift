import Audit
import Sandbox

/// The ledger entries of one task run, the same from the CLI and the daemon: `task.start` before the container
/// starts (a ledger that cannot record it stops the task), `task.run` with the outcome — limits, exit status,
/// duration and byte counts, never the output itself.
public struct TaskRecord: Sendable {
    public let agent: String
    public let taskID: String?
    public let spec: TaskSpec

    public init(agent: String, taskID: String?, spec: TaskSpec) {
        self.agent = agent
        self.taskID = taskID
        self.spec = spec
    }

    private var limits: [(key: String, value: JSONValue)] {
        [
            ("root", .string(spec.root.kind)), ("network", .bool(spec.network)),
            ("memory_bytes", .integer(Int64(spec.memoryBytes))), ("cpus", .number(spec.cpus)),
            ("pids", .integer(Int64(spec.pids))), ("timeout_ms", .integer(Int64(spec.timeout / .milliseconds(1)))),
            ("nofile", .integer(Int64(spec.nofile))), ("nproc", .integer(Int64(spec.nproc))),
            ("scratch_bytes", .integer(Int64(spec.scratchBytes))), ("uid_map", .string(spec.userNamespace.mapping)),
            ("command", .array(spec.command.map { .string($0) })),
        ]
    }

    public func start(container: String) -> AuditDraft {
        draft("task.start", .success, limits + [("container", .string(container))])
    }

    public func end(_ result: TaskResult) -> AuditDraft {
        let outcome: [(key: String, value: JSONValue)] = [
            ("container", .string(result.containerName)), ("exit_status", .integer(Int64(result.exitStatus))),
            ("timed_out", .bool(result.timedOut)), ("duration_ms", .integer(Int64(result.duration / .milliseconds(1)))),
            ("output_bytes", .integer(Int64(result.outputBytes))),
            ("error_output_bytes", .integer(Int64(result.errorOutputBytes))),
        ]
        return draft("task.run", result.exitStatus == 0 && !result.timedOut ? .success : .failure, limits + outcome)
    }

    public func failure(_ reason: String, container: String? = nil) -> AuditDraft {
        draft(
            "task.run", .error,
            limits + [("reason", .string(reason))] + (container.map { [("container", .string($0))] } ?? []))
    }

    private func draft(_ action: String, _ result: AuditResult, _ details: [(key: String, value: JSONValue)])
        -> AuditDraft
    {
        AuditDraft(
            eventType: .toolCall, agent: agent, action: action, target: spec.root.description,
            capabilitiesUsed: ["task:run:\(spec.root.description)"], result: result,
            riskLevel: spec.network ? .high : .medium, details: .object(details), taskID: taskID)
    }
}
