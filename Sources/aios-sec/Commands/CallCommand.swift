import AIOSProto
import ArgumentParser
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import PKI

struct CallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call a running daemon as the identity in DIR (mTLS).",
        discussion: "Exit 0 on success or allow, 1 on deny, 77 permission denied, 65 bad input, 69 unavailable.",
        subcommands: [
            CallStatus.self, CallAuthorize.self, CallExec.self, CallGrant.self, CallRevoke.self, CallCompleteTask.self,
            CallGrants.self, CallConfirm.self, CallPending.self, CallAudit.self, CallVerify.self, CallSpawn.self,
            CallStop.self, CallAgents.self, CallTask.self, CallFirewall.self, CallRenew.self, CallEstop.self,
        ]
    )
}

/// `--server` and `--identity`: where the daemon is and who we are.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "The daemon: HOST:PORT or unix:PATH.") var server = "127.0.0.1:9091"
    @Option(help: "Identity directory (key.pem, cert.pem, bundle.pem), e.g. STATE/identities/orchestrator.")
    var identity: String
    @Flag(help: "Print JSON.") var json = false

    func withClient<T: Sendable>(
        _ body: @Sendable (Aios_Security_V1_SecurityService.Client<HTTP2ClientTransport.Posix>) async throws -> T
    ) async throws -> T {
        let endpoint = DaemonEndpoint(server: server, identity: identity)
        if let problem = endpoint.problem {
            printError("call: \(problem)")
            throw ExitStatus.usage
        }
        do {
            return try await endpoint.withClient(body)
        } catch let error as RPCError {
            printError("call: \(error.code): \(error.message)")
            throw Self.exitCode(error.code)
        } catch let error as PKIError {
            printError("call: \(error)")
            throw ExitStatus.usage
        }
    }

    static func exitCode(_ code: RPCError.Code) -> ExitCode {
        switch code {
        case .permissionDenied, .unauthenticated: ExitStatus.noPermission
        case .invalidArgument, .notFound, .alreadyExists, .failedPrecondition, .outOfRange: ExitStatus.dataError
        case .unavailable, .deadlineExceeded, .resourceExhausted: ExitStatus.unavailable
        default: ExitStatus.software
        }
    }
}

/// `--arg KEY=VALUE` (repeatable).
struct ToolArgumentsOption: ParsableArguments {
    @Option(name: .customLong("arg"), help: "A tool argument, KEY=VALUE (repeatable).") var arguments: [String] = []

    func parsed() throws -> [String: String] {
        var values: [String: String] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "=") else {
                throw ValidationError("--arg '\(argument)' must be KEY=VALUE")
            }
            values[String(argument[..<equals])] = String(argument[argument.index(after: equals)...])
        }
        return values
    }
}

func printDecision(_ decision: Aios_Security_V1_Decision, json: Bool) throws {
    if json {
        try printJSON(DecisionReport(decision))
    } else {
        let verdict = decision.allowed ? "allowed" : decision.requiresConfirmation ? "needs confirmation" : "denied"
        print("\(verdict): \(decision.capability) — \(decision.explanation) [\(decision.auditID)]")
    }
}

struct DecisionReport: Encodable {
    let allowed: Bool
    let capability: String
    let explanation: String
    let risk: String
    let requiresConfirmation: Bool
    let auditId: String

    init(_ decision: Aios_Security_V1_Decision) {
        allowed = decision.allowed
        capability = decision.capability
        explanation = decision.explanation
        risk = decision.risk
        requiresConfirmation = decision.requiresConfirmation
        auditId = decision.auditID
    }
}

struct CallStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "The daemon's state, and who you are to it.")
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let status = try await connection.withClient { try await $0.status(Aios_Security_V1_StatusRequest()) }
        if connection.json {
            try printJSON(
                StatusReport(
                    caller: status.caller, version: status.version, policy: status.policy,
                    ledgerEntries: status.ledgerEntries, activeGrants: status.activeGrants,
                    pendingCalls: status.pendingCalls, emergencyState: status.emergencyState,
                    startedAt: status.startedAt, mode: status.mode, manualSince: status.manualSince,
                    manualBy: status.manualBy, manualReason: status.manualReason,
                    humanSessions: status.humanSessions.map(HumanSessionReport.init)))
        } else {
            print(
                "caller \(status.caller)\ndaemon \(status.version), started \(status.startedAt), policy \(status.policy)"
            )
            print(
                "ledger entries \(status.ledgerEntries), active grants \(status.activeGrants), pending \(status.pendingCalls), state \(status.emergencyState)"
            )
            if status.mode == "manual" {
                print("MANUAL MODE since \(status.manualSince), stopped by \(status.manualBy): \(status.manualReason)")
            }
            for session in status.humanSessions {
                print(
                    "human session \(session.sessionID): \(session.user)"
                        + (session.source.isEmpty ? "" : " from \(session.source)")
                        + " since \(session.startedAt), \(session.commands) command(s)")
            }
        }
    }

    struct StatusReport: Encodable {
        let caller: String
        let version: String
        let policy: String
        let ledgerEntries: UInt64
        let activeGrants: UInt64
        let pendingCalls: UInt64
        let emergencyState: String
        let startedAt: String
        let mode: String
        let manualSince: String
        let manualBy: String
        let manualReason: String
        let humanSessions: [HumanSessionReport]
    }

    struct HumanSessionReport: Encodable {
        let user: String
        let keyFingerprint: String
        let source: String
        let sessionId: UInt32
        let startedAt: String
        let commands: UInt64

        init(_ session: Aios_Security_V1_HumanSession) {
            user = session.user
            keyFingerprint = session.keyFingerprint
            source = session.source
            sessionId = session.sessionID
            startedAt = session.startedAt
            commands = session.commands
        }
    }
}

struct CallAuthorize: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize", abstract: "Ask for a decision (recorded in the ledger); exit 1 when denied.")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "A tool from the catalogue.") var tool: String?
    @Option(help: "Instead of a tool: namespace:action:resource.") var capability: String?
    @OptionGroup var arguments: ToolArgumentsOption
    @Option(help: "Why.") var reason = ""
    @Option(help: "The task this serves.") var taskId = ""

    func run() async throws {
        var request = Aios_Security_V1_AuthorizeRequest()
        request.tool = tool ?? ""
        request.capability = capability ?? ""
        request.arguments = try arguments.parsed()
        request.reason = reason
        request.taskID = taskId
        let response = try await connection.withClient { [request] client in try await client.authorize(request) }
        try printDecision(response.decision, json: connection.json)
        if !response.decision.allowed { throw ExitStatus.denied }
    }
}

struct CallExec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Have the Broker run a tool (e.g. fs.write --arg path=… --arg content=…).")
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The tool.") var tool: String
    @OptionGroup var arguments: ToolArgumentsOption
    @Option(help: "Why.") var reason = ""
    @Option(help: "The task this serves.") var taskId = ""

    func run() async throws {
        var request = Aios_Security_V1_ExecuteToolRequest()
        request.tool = tool
        request.arguments = try arguments.parsed()
        request.reason = reason
        request.taskID = taskId
        let response = try await connection.withClient { [request] client in try await client.executeTool(request) }
        if connection.json {
            try printJSON(
                ExecReport(
                    decision: DecisionReport(response.decision),
                    output: String(decoding: response.output, as: UTF8.self), details: response.details,
                    resultAuditId: response.resultAuditID))
        } else {
            try printDecision(response.decision, json: false)
            if !response.output.isEmpty { FileHandle.standardOutput.write(response.output) }
            for (key, value) in response.details.sorted(by: { $0.key < $1.key }) { print("  \(key): \(value)") }
        }
        if !response.decision.allowed { throw ExitStatus.denied }
    }

    struct ExecReport: Encodable {
        let decision: DecisionReport
        let output: String
        let details: [String: String]
        let resultAuditId: String
    }
}
