import Foundation
import SecurityTesting
import Testing

/// `pkg.install` through the real daemon: a signed local repository on loopback, an install root of its own.
extension DaemonAttackTests {
    /// `watch`: paths the file-integrity watch (`serve --fim`) covers, from a baseline made before the start.
    func packageDaemon(_ repository: LocalAptRepository, root: String, watch: [String] = []) throws -> DaemonFixture {
        let vault = "aios:vault:test-\(UUID().uuidString)"
        return try DaemonFixture(
            extraArguments: ["--confirmation-timeout", "150"] + (watch.isEmpty ? [] : ["--fim"]),
            policy: """
                aios-agent-package:
                  capabilities: [pkg:*]
                aios-agent-task:
                  capabilities: [fs:read:/tmp/*]
                packages:
                  root: \(root)
                  apt:
                    repositories:
                      - {name: local, uri: "\(repository.uri)", suite: stable, components: [main], key: \(repository.keyring)}
                """, vault: vault,
            prepare: watch.isEmpty
                ? nil
                : { state in
                    let initialized = try BinaryRunner.run(
                        ["fim", "init", "--state-dir", state, "--vault", vault, "--quiet"]
                            + watch.flatMap { ["--watch", $0] })
                    guard initialized.status == 0 else {
                        throw DaemonFixture.FixtureError(message: "fim init: \(initialized.stderr)")
                    }
                })
    }

    /// The pending id of `call`'s confirmation; nil (and the client's output recorded) when none came.
    func pendingOrRecord(_ daemon: DaemonFixture, _ call: BackgroundCall) -> String? {
        do {
            return try waitForPending(daemon)
        } catch {
            Issue.record("\(error); the client: \(call.finish())")
            return nil
        }
    }

    @Test(
        "pkg.install: the report is pending with the call, nothing is installed before the confirmation, the ledger shows each step"
    )
    func packageInstallAfterConfirmation() throws {
        let repository = try LocalAptRepository(packages: [.init("aios-hello")])
        let root = try LocalAptRepository.makeInstallRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let daemon = try packageDaemon(repository, root: root)
        let call = try BackgroundCall(
            execArguments(daemon, as: "aios-agent-package", "pkg.install", ["package": "aios-hello"]))
        guard let pendingID = pendingOrRecord(daemon, call) else { return }
        let pending = try daemon.call("pending", as: "orchestrator", ["--json"])
        #expect(pending.stdout.contains("signing_key") && pending.stdout.contains("AiosTest"), "\(pending.stdout)")
        #expect(!FileManager.default.fileExists(atPath: root + "/usr/share/aios-hello/README"))
        #expect(try daemon.call("confirm", as: "orchestrator", ["--pending-id", pendingID]).status == 0)
        let result = call.finish()
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: root + "/usr/share/aios-hello/README"))
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--agent", "aios-agent-package", "--json",
        ])
        let phases = audit.stdout.split(separator: "\n").compactMap { line in
            line.range(of: #""phase":"[a-z]+""#, options: .regularExpression).map { String(line[$0]) }
        }
        #expect(
            phases == [#""phase":"decision""#, #""phase":"provenance""#, #""phase":"decision""#, #""phase":"result""#],
            "\(audit.stdout)")
        #expect(audit.stdout.contains("report_sha256") && audit.stdout.contains("files_sha256"))
        daemon.stop()
        #expect(
            !FileManager.default.fileExists(atPath: daemon.state + "/packages/request-"),
            "the request's files are gone")
    }

    @Test("an agent without pkg: capabilities is denied by the Gate before anything is downloaded")
    func packageGateFirst() throws {
        let repository = try LocalAptRepository(packages: [.init("aios-hello")])
        let root = try LocalAptRepository.makeInstallRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let daemon = try packageDaemon(repository, root: root)
        let result = try exec(daemon, as: "aios-agent-task", "pkg.install", ["package": "aios-hello"])
        #expect(result.status == 1 && result.stdout.contains("denied"), "\(result.stdout)\(result.stderr)")
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--agent", "aios-agent-task", "--json",
        ])
        #expect(!audit.stdout.contains(#""phase":"provenance""#), "nothing was prepared: \(audit.stdout)")
    }

    @Test("pkg.install of a package the report refuses ends before any question, with the reason in the ledger")
    func packageRefusedByReport() throws {
        let repository = try LocalAptRepository(packages: [
            .init("aios-sneaky", scripts: ["postinst": "#!/bin/sh\necho x >> /etc/sudoers\n"])
        ])
        let root = try LocalAptRepository.makeInstallRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let daemon = try packageDaemon(repository, root: root)
        let result = try exec(daemon, as: "aios-agent-package", "pkg.install", ["package": "aios-sneaky"])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("script_protected_path"), "\(result.stdout)")
        #expect(try daemon.call("pending", as: "orchestrator", ["--json"]).stdout.isEmpty)
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--agent", "aios-agent-package", "--json",
        ])
        #expect(audit.stdout.contains(#""verdict":"refused""#), "\(audit.stdout)")
    }
}

extension DaemonAttackTests {
    @Test("pkg.pip_install: a typosquat is flagged in the pending report; denied, nothing reaches the environment")
    func pipTyposquatDenied() throws {
        let index = try LocalPythonIndex(projects: [("reqeusts", "2.31.0")])
        let environment = try LocalPythonIndex.makeEnvironment()
        defer { try? FileManager.default.removeItem(atPath: environment) }
        let daemon = try DaemonFixture(
            extraArguments: ["--confirmation-timeout", "150"],
            policy: """
                aios-agent-package:
                  capabilities: [pkg:*]
                packages:
                  pip: {index: "\(index.index)", environments: {tools: \(environment)}}
                """)
        let call = try BackgroundCall(
            execArguments(
                daemon, as: "aios-agent-package", "pkg.pip_install", ["environment": "tools", "package": "reqeusts"]))
        guard let pendingID = pendingOrRecord(daemon, call) else { return }
        let pending = try daemon.call("pending", as: "orchestrator", ["--json"])
        #expect(pending.stdout.contains("typosquat") && pending.stdout.contains("requests"), "\(pending.stdout)")
        #expect(
            try daemon.call(
                "confirm", as: "orchestrator", ["--pending-id", pendingID, "--deny", "--reason", "typosquat"]
            ).status == 0)
        let result = call.finish()
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        let site = try ProcessRunnerOutput.run([environment + "/bin/python", "-c", "import reqeusts"])
        #expect(site != 0, "the package is not in the environment")
    }
}

enum ProcessRunnerOutput {
    static func run(_ command: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
