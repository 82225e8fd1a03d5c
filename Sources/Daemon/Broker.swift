import Agents
import Audit
import Capabilities
import Crypto
import Detection
import Foundation
import GRPCCore
import Glibc

/// Runs the built-in tools on an agent's behalf with no more authority than the decision: file tools on a thread
/// the kernel confines to the allowing capability with the daemon's state hidden (``BrokerConfinement``);
/// programs from an allow-list, inside the calling agent's own sandbox (its uid, cgroup, namespaces, Landlock,
/// seccomp), with arguments as a list checked against the program's pattern and never a shell; signals only to
/// processes the agent started through the Broker.
public struct Broker: Sendable {
    /// Executables `process.spawn` may start, by name.
    public let executables: [String: AllowedExecutable]
    let confinement: BrokerConfinement
    let backups: BackupStore
    /// Starts programs as their agent, confined; nil: this daemon cannot confine processes, so it starts none.
    let spawner: AgentSpawner?
    let processes = SpawnedProcesses()
    /// Where the file tools announce the changes they make, for the file integrity watch (nil: no watch).
    let announcements: AuthorizedChanges?

    /// Kills every program agents started through the Broker (the emergency stop, the daemon's shutdown).
    public func killAllPrograms() { processes.killAll() }

    /// The catalogue tools ``run(tool:arguments:allowedBy:for:)`` runs; any other tool is a decision only
    /// (Authorize). What `aios-sec mcp` publishes.
    public static let toolNames: [String] =
        FileTool.allCases.map(\.rawValue) + ["process.list", "process.spawn", "process.kill"]

    public init(
        executables: [String: AllowedExecutable] = [:], protected: ProtectedPaths, backups: BackupStore,
        spawner: AgentSpawner? = nil, announcements: AuthorizedChanges? = nil
    ) {
        self.announcements = announcements
        self.executables = executables
        self.confinement = BrokerConfinement(masks: protected.masks)
        self.backups = backups
        self.spawner = spawner
    }

    /// Runs `tool` for `agent` as allowed by `capability` (the allowance the Gate produced); `decisionID` is the
    /// ledger entry of that decision (what a file change is announced with).
    public func run(
        tool: String, arguments: [String: String], allowedBy capability: Capability, for agent: String,
        decisionID: String? = nil
    ) async -> BrokerResult {
        if let file = FileTool(rawValue: tool) {
            let path = arguments["path"] ?? ""
            let content = Array((arguments["content"] ?? "").utf8)
            let ticket =
                file.changes
                ? announcements?.begin(
                    path: path, auditID: decisionID ?? "", agent: agent,
                    content: file == .write ? Array(SHA256.hash(data: content)) : nil) : nil
            defer { if let ticket { announcements?.end(ticket) } }
            return await self.file(file, path: path, content: content, allowedBy: capability)
        }
        do {
            switch tool {
            case "process.list": return try processList()
            case "process.spawn":
                return try spawn(arguments["name"] ?? "", arguments["args"], for: agent, allowedBy: capability)
            case "process.kill": return try kill(arguments["name"] ?? "", arguments["pid"], for: agent)
            default:
                return .failure(.unimplemented, "the Broker does not run '\(tool)'; ask Authorize for a decision")
            }
        } catch {
            return BrokerResult(outcome: .failure(error), details: [:], eventType: .toolCall)
        }
    }

    func processList() throws(BrokerResult.Failure) -> BrokerResult {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else {
            throw BrokerResult.Failure(code: .unavailable, message: "cannot read /proc")
        }
        var lines: [String] = []
        for pid in entries.compactMap(Int.init).sorted() {
            guard let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8) else { continue }
            lines.append("\(pid) \(name.trimmingCharacters(in: .newlines))")
        }
        return .success(Array((lines.joined(separator: "\n") + "\n").utf8), ["processes": .int(lines.count)])
    }
}
