import AIOSProto
import ArgumentParser
import Foundation

struct AgentReport: Encodable {
    let agent: String
    let command: [String]
    let state: String
    let pid: Int32
    let restarts: UInt32
    let lastExitStatus: Int32?
    let lastReason: String

    init(_ process: Aios_Security_V1_AgentProcess) {
        agent = process.agent
        command = process.command
        state = process.state
        pid = process.pid
        restarts = process.restarts
        lastExitStatus = process.hasExited_p ? process.lastExitStatus : nil
        lastReason = process.lastReason
    }

    var line: String {
        "\(agent) \(state)" + (pid > 0 ? " pid \(pid)" : "") + " restarts \(restarts)"
            + (lastExitStatus.map { " last exit \($0)" } ?? "") + (lastReason.isEmpty ? "" : " (\(lastReason))")
            + " — \(command.joined(separator: " "))"
    }
}

func printAgents(_ agents: [Aios_Security_V1_AgentProcess], json: Bool) throws {
    for agent in agents.map(AgentReport.init) {
        if json { try printJSON(agent) } else { print(agent.line) }
    }
}

struct CallSpawn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spawn",
        abstract: "Start an agent confined by the kernel and supervised by the daemon (orchestrator or operator).")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The agent.") var agent: String
    @Option(help: "Why.") var reason = ""
    @Argument(parsing: .postTerminator, help: "The command and its arguments.") var command: [String]

    func run() async throws {
        var request = Aios_Security_V1_SpawnAgentRequest()
        request.agent = agent
        request.command = command
        request.reason = reason
        let response = try await connection.withClient { [request] client in try await client.spawnAgent(request) }
        try printAgents([response.agent], json: connection.json)
    }
}

struct CallStop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Kill an agent's whole cgroup and end its supervision.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The agent.") var agent: String
    @Option(help: "Why.") var reason = ""

    func run() async throws {
        var request = Aios_Security_V1_StopAgentRequest()
        request.agent = agent
        request.reason = reason
        let response = try await connection.withClient { [request] client in try await client.stopAgent(request) }
        try printAgents([response.agent], json: connection.json)
    }
}

struct CallAgents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents", abstract: "List the agents the daemon supervises.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let response = try await connection.withClient { client in
            try await client.listAgents(Aios_Security_V1_ListAgentsRequest())
        }
        try printAgents(response.agents, json: connection.json)
    }
}

struct CallTask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract:
            "Run untrusted work in a Podman container through the daemon; prints its output, exits with its status.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "A local image (default: the project's base image).") var image = ""
    @Flag(help: "Give the task a network: through the egress proxy, as its agent's net:connect capabilities allow.")
    var network = false
    @Option(help: "Memory limit, e.g. 256m.") var memory = ""
    @Option(help: "CPUs, e.g. 0.5.") var cpus: Double = 0
    @Option(help: "Process limit.") var pids: UInt32 = 0
    @Option(help: "Time limit, e.g. 30s.") var timeout = ""
    @Option(help: "The task it serves.") var taskId = ""
    @Argument(parsing: .postTerminator, help: "The command and its arguments.") var command: [String]

    func run() async throws {
        var request = Aios_Security_V1_RunTaskRequest()
        request.command = command
        request.image = image
        request.network = network
        request.memory = memory
        request.cpus = cpus
        request.pids = pids
        request.timeout = timeout
        request.taskID = taskId
        let response = try await connection.withClient { [request] client in try await client.runTask(request) }
        FileHandle.standardOutput.write(response.output)
        FileHandle.standardError.write(response.errorOutput)
        if response.timedOut { throw ExitCode(124) }
        throw ExitCode(response.exitStatus)
    }
}
