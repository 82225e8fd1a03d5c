import AIOSProto
import ArgumentParser
import Foundation

struct GrantReport: Encodable {
    let id: String
    let agent: String
    let capability: String
    let grantedAt: String
    let expiresAt: String
    let reason: String
    let taskId: String
    let grantedBy: String

    init(_ grant: Aios_Security_V1_Grant) {
        id = grant.id
        agent = grant.agent
        capability = grant.capability
        grantedAt = grant.grantedAt
        expiresAt = grant.expiresAt
        reason = grant.reason
        taskId = grant.taskID
        grantedBy = grant.grantedBy
    }

    var line: String {
        "\(id) \(agent) \(capability) until \(expiresAt.isEmpty ? "revoked" : expiresAt)"
            + (taskId.isEmpty ? "" : " task \(taskId)") + " — \(reason)"
    }
}

func printGrants(_ grants: [Aios_Security_V1_Grant], json: Bool) throws {
    for grant in grants.map(GrantReport.init) {
        if json { try printJSON(grant) } else { print(grant.line) }
    }
}

struct CallGrant: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Grant an agent a capability for a while (orchestrator only, within its ceiling).")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The agent.") var agent: String
    @Option(help: "The capability, e.g. fs:write:/tmp/demo/*.") var capability: String
    @Option(help: "How long, e.g. 10m.") var duration: String
    @Option(help: "Why (required).") var reason: String
    @Option(help: "The task it serves (CompleteTask revokes it).") var taskId = ""

    func run() async throws {
        var request = Aios_Security_V1_GrantTemporaryRequest()
        request.agent = agent
        request.capability = capability
        request.duration = duration
        request.reason = reason
        request.taskID = taskId
        let response = try await connection.withClient { [request] client in try await client.grantTemporary(request) }
        try printGrants([response.grant], json: connection.json)
    }
}

struct CallRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "End a grant now.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The grant id.") var grantId: String
    @Option(help: "Why.") var reason = "revoked"

    func run() async throws {
        var request = Aios_Security_V1_RevokeRequest()
        request.grantID = grantId
        request.reason = reason
        let response = try await connection.withClient { [request] client in try await client.revoke(request) }
        try printGrants([response.grant], json: connection.json)
    }
}

struct CallCompleteTask: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "complete-task", abstract: "End every grant made for a task.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The task id.") var taskId: String

    func run() async throws {
        var request = Aios_Security_V1_CompleteTaskRequest()
        request.taskID = taskId
        let response = try await connection.withClient { [request] client in try await client.completeTask(request) }
        if !connection.json { print("revoked \(response.revoked.count) grant(s)") }
        try printGrants(response.revoked, json: connection.json)
    }
}

struct CallGrants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "grants", abstract: "Active grants.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only this agent's.") var agent = ""

    func run() async throws {
        var request = Aios_Security_V1_ListGrantsRequest()
        request.agent = agent
        let response = try await connection.withClient { [request] client in try await client.listGrants(request) }
        try printGrants(response.grants, json: connection.json)
    }
}

struct CallConfirm: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "confirm", abstract: "Approve (or --deny) a pending high-risk call (orchestrator only).")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The pending call's id (see `call pending`).") var pendingId: String
    @Flag(help: "Deny instead of approving.") var deny = false
    @Option(help: "Why.") var reason = ""

    func run() async throws {
        var request = Aios_Security_V1_ConfirmRequest()
        request.pendingID = pendingId
        request.approve = !deny
        request.reason = reason
        let response = try await connection.withClient { [request] client in try await client.confirm(request) }
        if connection.json {
            try printJSON(["outcome": response.outcome, "pending_id": pendingId])
        } else {
            print(response.outcome)
        }
    }
}

struct CallPending: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pending", abstract: "High-risk calls waiting for the orchestrator.")
    @OptionGroup var connection: ConnectionOptions

    struct Entry: Encodable {
        let id, agent, tool, capability, risk, requestedAt, expiresAt, reason: String
        /// A package call's provenance report, as JSON text.
        let report: String?
    }

    func run() async throws {
        let response = try await connection.withClient {
            try await $0.listPending(Aios_Security_V1_ListPendingRequest())
        }
        for call in response.pending {
            let entry = Entry(
                id: call.id, agent: call.agent, tool: call.tool, capability: call.capability, risk: call.risk,
                requestedAt: call.requestedAt, expiresAt: call.expiresAt, reason: call.reason,
                report: call.report.isEmpty ? nil : call.report)
            if connection.json {
                try printJSON(entry)
            } else {
                print(
                    "\(entry.id) \(entry.agent) \(entry.tool) \(entry.capability) (\(entry.risk)) until \(entry.expiresAt)"
                )
                if let report = entry.report { print("  provenance report: \(report)") }
            }
        }
    }
}

struct CallAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Query the daemon's ledger (filters as NAME=VALUE: agent, type, result, since, …).")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Filters, e.g. agent=aios-agent-task since=1h.") var filters: [String] = []

    func run() async throws {
        var request = Aios_Security_V1_QueryAuditRequest()
        request.filters = filters
        try await connection.withClient { [request] client in
            try await client.queryAudit(request) { response in
                for try await record in response.messages { print(record.json) }
            }
        }
    }
}

struct VerifyReport: Encodable {
    let intact: Bool
    let entries: UInt64
    let problem: String
}

struct CallVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Have the daemon verify its ledger.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let response = try await connection.withClient {
            try await $0.verifyAudit(Aios_Security_V1_VerifyAuditRequest())
        }
        if connection.json {
            try printJSON(VerifyReport(intact: response.intact, entries: response.entries, problem: response.problem))
        } else {
            print(response.intact ? "intact: \(response.entries) entries" : "NOT intact: \(response.problem)")
        }
        if !response.intact { throw ExitStatus.denied }
    }
}

struct CallEstop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estop",
        abstract:
            "Emergency stop through the daemon (orchestrator or operator); `aios-sec estop` also works without it.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Why (goes into the ledger).") var reason = "emergency stop"

    func run() async throws {
        var request = Aios_Security_V1_EmergencyStopRequest()
        request.reason = reason
        let response = try await connection.withClient { [request] client in try await client.emergencyStop(request) }
        if connection.json {
            try printJSON(
                EstopReport(
                    mode: response.mode, agentsFrozen: response.agentsFrozen, tasksKilled: response.tasksKilled,
                    grantsSuspended: response.grantsSuspended, pendingDenied: response.pendingDenied,
                    stoppedAt: response.stoppedAt, elapsedMicroseconds: response.elapsedMicroseconds,
                    auditId: response.auditID, killAt: response.killAt))
        } else {
            print(
                "\(response.mode) mode since \(response.stoppedAt): \(response.agentsFrozen) agent cgroup(s) frozen, "
                    + "\(response.grantsSuspended) grant(s) suspended, \(response.pendingDenied) pending denied, "
                    + "\(response.tasksKilled) task(s) killed [\(response.auditID)]")
        }
    }

    struct EstopReport: Encodable {
        let mode: String
        let agentsFrozen: UInt32
        let tasksKilled: UInt32
        let grantsSuspended: UInt32
        let pendingDenied: UInt32
        let stoppedAt: String
        let elapsedMicroseconds: UInt64
        let auditId: String
        let killAt: String
    }
}
