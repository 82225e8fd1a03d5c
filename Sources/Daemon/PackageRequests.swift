import Audit
import Capabilities
import Crypto
import Detection
import Foundation
import Packages
import Policy

/// The package tools between the Gate and the machine. `pkg.install` and `pkg.update` are prepared before anyone
/// is asked: downloaded and inspected in the package sandbox, checked a second time by the daemon, reported; a
/// report the policy refuses ends the call there, and otherwise the pending confirmation carries the report. Only
/// after the confirmation are the verified copies installed. `pkg.remove` needs no download.
public final class PackageRequests: Sendable {
    public static let tools: Set<String> = ["pkg.install", "pkg.update", "pkg.remove", "pkg.pip_install"]
    /// Tools whose packages are downloaded and reported before the confirmation.
    static let preparing: Set<String> = ["pkg.install", "pkg.update", "pkg.pip_install"]
    /// The most of a report the ledger entry holds inline (beyond it: its hash and a summary).
    static let inlineReportLimit = 64 << 10

    let policy: PackagePolicy
    let directory: String
    let preparation: AptPreparation
    let pip: PipPreparation

    /// `directory`: the daemon's `STATE/packages` (requests live below it, one directory each, removed when the
    /// call ends); `protectedPaths`: the policy's and the daemon's.
    public init(policy: PackagePolicy, directory: String, runtime: [String], protectedPaths: [String]) throws {
        self.policy = policy
        self.directory = directory
        try? FileManager.default.removeItem(atPath: directory)  // requests of a daemon that stopped mid-way
        try FileManager.default.createDirectory(
            atPath: directory + "/view", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let sandbox = PackageSandbox.make(
            policy: policy, viewRoot: directory + "/view", hidden: [], runtime: runtime)
        preparation = AptPreparation(policy: policy, sandbox: sandbox, protectedPaths: protectedPaths)
        pip = PipPreparation(policy: policy, sandbox: sandbox)
    }

    /// How preparing a call came out.
    public enum Preparation: Sendable {
        case prepared(PreparedInstall)
        /// The download, its verification or the policy refused it: why.
        case refused(String, report: ProvenanceReport?)
    }

    /// Downloads, verifies and reports the call's package (blocking work, off the cooperative pool).
    func prepare(_ call: ToolCall) async -> Preparation {
        let package = call.arguments["package"] ?? ""
        let environment = call.tool == "pkg.pip_install" ? call.arguments["environment"] : nil
        let request = directory + "/request-" + UUID().uuidString.lowercased()
        return await Self.offPool { [preparation, pip] in
            do {
                let prepared =
                    try environment.map { try pip.prepare(package, environment: $0, in: request) }
                    ?? preparation.prepare([package], in: request)
                guard prepared.report.verdict != .refused else {
                    prepared.discard()
                    return .refused(
                        "the provenance report refuses it: "
                            + prepared.report.refusedBecause.joined(separator: "; "), report: prepared.report)
                }
                return .prepared(prepared)
            } catch {
                try? FileManager.default.removeItem(atPath: request)
                return .refused("\(error)", report: nil)
            }
        }
    }

    /// Where an install or a removal announces the paths it changes, so the file-integrity watch takes them as
    /// the call's (and records their new state in its baseline) instead of reporting them.
    struct Announcer: Sendable {
        let changes: AuthorizedChanges
        /// The ledger entry of the call's decision.
        let auditID: String
        let agent: String
    }

    /// Installs a prepared set, or removes a package: what the Broker would return for a built-in tool.
    func run(
        _ tool: String, _ arguments: [String: String], prepared: PreparedInstall?, announcer: Announcer? = nil
    ) async -> BrokerResult {
        let installer = PackageInstaller(policy: policy)
        let root = policy.root == "/" ? "" : policy.root
        // dpkg runs maintainer scripts without a deadline of ours; the announcements wait as long as the sandbox's.
        let pendingLimit = Duration.milliseconds(policy.timeout.milliseconds) + .seconds(60)
        return await Self.offPool {
            do {
                if let prepared {
                    let setID = Set(prepared.report.packages.flatMap(\.setuid))
                    let paths = prepared.installedFiles.values.joined().map { $0 }
                    let tickets = announcer?.changes.begin(
                        paths.map { .init(path: root + $0, privileged: setID.contains($0)) },
                        auditID: announcer?.auditID ?? "", agent: announcer?.agent ?? "", by: .dpkg,
                        pendingLimit: pendingLimit)
                    let outcome: PackageInstaller.Outcome
                    do {
                        outcome = try installer.install(prepared)
                    } catch {
                        if let tickets { announcer?.changes.end(tickets) }
                        throw error
                    }
                    if let tickets {
                        var contents: [AuthorizedChanges.Ticket: [UInt8]] = [:]
                        for (path, ticket) in zip(paths, tickets) {
                            contents[ticket] = outcome.files[path].flatMap(Self.bytes(hex:))
                        }
                        announcer?.changes.end(tickets, contents: contents)
                    }
                    let names = prepared.report.packages.map { "\($0.name)=\($0.version)" }
                    return .success(
                        Array("installed \(names.joined(separator: " "))\n".utf8),
                        [
                            "report_sha256": .string(prepared.report.sha256),
                            "packages": .string(names.joined(separator: " ")),
                            "files_hashed": .int(outcome.files.count),
                            "files_sha256": .string(Self.digest(of: outcome.files)),
                        ])
                }
                let package = arguments["package"] ?? ""
                let tickets = announcer.map { announcer in
                    announcer.changes.begin(
                        installer.paths(of: package).map { .init(path: root + $0) }, auditID: announcer.auditID,
                        agent: announcer.agent, by: .dpkg, pendingLimit: pendingLimit)
                }
                defer { if let tickets { announcer?.changes.end(tickets) } }
                try installer.remove(package)
                return .success(Array("removed \(package)\n".utf8), ["package": .string(package)])
            } catch {
                return .failure(.failedPrecondition, "\(tool): \(error)")
            }
        }
    }

    /// The bytes of a lower-case hex digest (nil: not one).
    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else {
                return nil
            }
            bytes.append(byte)
        }
        return bytes
    }

    /// The ledger entry of a preparation: the report (inline when small), its hash, the verdict, the findings.
    static func provenanceEntry(_ caller: Caller, _ call: ToolCall, _ preparation: Preparation) -> AuditDraft {
        var details: [(key: String, value: JSONValue)] = [("phase", .string("provenance"))]
        let result: AuditResult
        switch preparation {
        case .prepared(let prepared):
            result = .success
            details += summary(prepared.report)
        case .refused(let why, let report):
            result = .denied
            details.append(("error", .string(why)))
            if let report { details += summary(report) }
        }
        return AuditDraft(
            eventType: .toolCall, agent: caller.auditName, action: call.tool ?? "",
            target: call.arguments["package"] ?? "", result: result, riskLevel: .high, details: .object(details))
    }

    private static func summary(_ report: ProvenanceReport) -> [(key: String, value: JSONValue)] {
        var details: [(key: String, value: JSONValue)] = [
            ("report_sha256", .string(report.sha256)), ("verdict", .string(report.verdict.rawValue)),
            ("packages", .array(report.packages.map { .string("\($0.name)=\($0.version) sha256:\($0.sha256)") })),
            ("findings", .array(report.findings.map { .string("\($0.kind.rawValue) \($0.package): \($0.detail)") })),
        ]
        let json = report.json
        if json.utf8.count <= inlineReportLimit { details.append(("report", .string(json))) }
        return details
    }

    /// One hash over every installed file's path and hash (with the file watch on, each is in its baseline).
    static func digest(of files: [String: String]) -> String {
        let lines = files.sorted { $0.key < $1.key }.map { "\($0.value)  \($0.key)\n" }.joined()
        return SHA256.hash(data: Data(lines.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }
}
