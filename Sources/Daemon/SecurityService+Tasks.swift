import AIOSProto
import Agents
import Audit
import Capabilities
import Foundation
import GRPCCore
import Sandbox

extension SecurityService {
    /// Runs untrusted work in a container: for the orchestrator, an operator, or an agent holding `task:run:IMAGE`
    /// (the task agent holds nothing by default: the orchestrator grants it per task).
    /// The run (limits, exit status, byte counts, never the output itself) is recorded before the answer.
    public func runTask(
        request: Aios_Security_V1_RunTaskRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_RunTaskResponse {
        let caller = try caller(context)
        try await refuseInManualMode(caller, action: "task.run", target: request.image)
        let image = request.image.isEmpty ? TaskImage.baseName : request.image
        try await requireTaskRight(caller, image: image)
        guard let runner = workers.tasks else {
            throw RPCError(
                code: .failedPrecondition, message: "this daemon does not run tasks (it needs root and podman)")
        }
        let spec: TaskSpec
        do {
            spec = try Self.taskSpec(request).validated()
        } catch {
            throw StatusMapping.invalid("\(error)")
        }
        // A granted network is the egress proxy, deciding each connection as the agent the task runs for; a
        // daemon without the proxy gives no network at all rather than podman's unfiltered bridge.
        var taskEgress: TaskEgressListener?
        if spec.network {
            guard let listeners = workers.egress else {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "this daemon runs no egress proxy (serve --egress-port 0): a task cannot have a network")
            }
            taskEgress = TaskEgressListener(
                listeners: listeners, agent: caller.isOrchestratorOrOperator ? "aios-agent-task" : caller.auditName)
        }
        let egress = taskEgress
        let record = TaskRecord(
            agent: caller.auditName, taskID: request.taskID.isEmpty ? nil : request.taskID, spec: spec)
        let name = TaskRunner.newContainerName()
        // Recorded before the container starts: a ledger that cannot record it stops the task here.
        _ = try await core.record(record.start(container: name))
        // An emergency stop that comes between the checks above and the start: the runner knows the launch from
        // before this last check, so the stop either finds it (cancelled, or killed) or is seen here.
        let emergency = core.emergency
        let mayStart: @Sendable () -> String? = {
            emergency.isHalted ? EmergencyCheck.explanation(emergency.record) : nil
        }
        // A task may run for minutes: off the cooperative pool, which serves every other call.
        let outcome: Result<TaskResult, TaskError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    returning: Result { () throws(TaskError) in
                        if spec.root == .image(TaskImage.baseName) { try TaskImage.ensureBase(podman: runner.podman) }
                        return try runner.run(spec, name: name, egress: egress, mayStart: mayStart)
                    })
            }
        }
        let result: TaskResult
        switch outcome {
        case .success(let finished): result = finished
        case .failure(let error):
            _ = try await core.record(record.failure("\(error)", container: name))
            throw RPCError(code: .failedPrecondition, message: "\(error)")
        }
        let entry = try await core.record(record.end(result))
        var response = Aios_Security_V1_RunTaskResponse()
        response.exitStatus = result.exitStatus
        response.output = Data(result.output)
        response.errorOutput = Data(result.errorOutput)
        response.timedOut = result.timedOut
        response.outputTruncated = result.outputTruncated || result.errorOutputTruncated
        response.auditID = entry.id
        return response
    }

    private func requireTaskRight(_ caller: Caller, image: String) async throws {
        if caller.isOrchestratorOrOperator { return }
        let allowed = (try? AccessRequest(namespace: "task", action: "run", resource: image)).map {
            core.authority.check($0, for: AgentName(caller.auditName), at: core.clock.now()).isAllowed
        }
        if allowed == true { return }
        _ = try await core.record(
            DecisionAudit.refusal(
                caller: caller, action: "task.run", target: image, reason: "task:run:\(image) is not held"))
        throw StatusMapping.denied("running a task in \(image) needs task:run:\(image)")
    }

    /// The task a request asks for, before validation (sizes and durations parsed; empty fields keep defaults).
    public static func taskSpec(_ request: Aios_Security_V1_RunTaskRequest) throws -> TaskSpec {
        var spec = TaskSpec(
            command: request.command, root: .image(request.image.isEmpty ? TaskImage.baseName : request.image),
            network: request.network)
        if !request.memory.isEmpty { spec.memoryBytes = try ByteSize(parsing: request.memory).bytes }
        if request.cpus > 0 { spec.cpus = request.cpus }
        if request.pids > 0 { spec.pids = Int(request.pids) }
        if !request.timeout.isEmpty {
            spec.timeout = .milliseconds(try GrantDuration(parsing: request.timeout).milliseconds)
        }
        return spec
    }
}
