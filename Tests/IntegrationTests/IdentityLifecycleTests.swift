import Foundation
import SecurityTesting
import Testing

/// Identities that live and rotate while the daemon runs: short-lived certificates (`--identity-lifetime 15s`,
/// renewed about every 9 s) keep the orchestrator, an operator and a running agent working across three renewals,
/// and a stopped agent's identity — even a copy of its files — no longer works.
@Suite(.serialized) struct IdentityLifecycleTests {
    /// Where this daemon keeps a running agent's identity: the directory its `identity_issue` entry names.
    static func agentIdentity(_ agent: String, daemon: DaemonFixture) throws -> String? {
        let issued = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "identity_issue", "--json",
        ])
        guard let range = issued.stdout.range(of: #""directory":"[^"]*/\#(agent)""#, options: .regularExpression)
        else { return nil }
        return String(issued.stdout[range].dropFirst(#""directory":""#.count).dropLast())
    }

    /// The serial of the certificate in an identity directory now.
    static func serial(_ directory: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["x509", "-noout", "-serial", "-in", directory + "/cert.pem"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test(.requiresRoot) func everyIdentityKeepsWorkingAcrossThreeRenewalsAndAStoppedAgentsStopsWorking() throws {
        let parent = "aios-test-\(getpid())-identity"
        let daemon = try DaemonFixture(extraArguments: ["--agent-cgroup-parent", parent, "--identity-lifetime", "15s"])
        defer {
            daemon.stop()
            removeTestCgroup(parent)
        }
        let agent = "aios-agent-monitor"
        let spawned = try daemon.call("spawn", as: "orchestrator", ["--agent", agent, "--", "/bin/sleep", "600"])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        let agentDirectory = try #require(
            try Self.agentIdentity(agent, daemon: daemon), "the running agent has an identity")
        #expect(FileManager.default.fileExists(atPath: agentDirectory + "/key.pem"))
        let stealing = try daemon.call(
            "exec", as: "aios-agent-system", ["--tool", "fs.read", "--arg", "path=\(agentDirectory)/key.pem"])
        #expect(
            stealing.status == 1 && stealing.stdout.contains("protected"),
            "a role holding fs:read:* cannot read a running agent's key through the Broker: \(stealing.stdout)")
        let holders = [daemon.identity("orchestrator"), daemon.identity("operator-admin"), agentDirectory]

        var serials = holders.map { _ in Set<String>() }
        let deadline = Date() + 45
        while Date() < deadline && serials.contains(where: { $0.count < 4 }) {
            for (index, holder) in holders.enumerated() {
                serials[index].insert(Self.serial(holder))
                let status = try BinaryRunner.run(["call", "status", "--server", daemon.address, "--identity", holder])
                #expect(status.status == 0, "\(holder) works at \(Date()): \(status.stderr)")
            }
            Thread.sleep(forTimeInterval: 1)
        }
        for (index, holder) in holders.enumerated() {
            #expect(serials[index].count >= 4, "\(holder) was renewed three times: \(serials[index])")
        }
        let agentCall = try BinaryRunner.run([
            "call", "status", "--server", daemon.address, "--identity", agentDirectory, "--json",
        ])
        #expect(agentCall.stdout.contains("spiffe://aios.local/agent/\(agent)"), "\(agentCall.stdout)")

        // A copy of its current files, still seconds from expiry, as if the agent had smuggled them out; and one it
        // renewed for itself over the API (a certificate the daemon did not put in its directory).
        let stolen = daemon.directory + "/stolen"
        try FileManager.default.copyItem(atPath: agentDirectory, toPath: stolen)
        let selfRenewed = daemon.directory + "/self-renewed"
        try FileManager.default.copyItem(atPath: agentDirectory, toPath: selfRenewed)
        let renewal = try BinaryRunner.run(["call", "renew", "--server", daemon.address, "--identity", selfRenewed])
        #expect(renewal.status == 0, "\(renewal.stderr)")
        let stopped = try daemon.call("stop", as: "orchestrator", ["--agent", agent])
        #expect(stopped.status == 0, "\(stopped.stderr)")
        #expect(!FileManager.default.fileExists(atPath: agentDirectory), "its files are gone")
        let instance = (agentDirectory as NSString).deletingLastPathComponent
        let withCopy = try BinaryRunner.run(["call", "status", "--server", daemon.address, "--identity", stolen])
        #expect(
            withCopy.status != 0 && withCopy.stderr.contains("revoked"),
            "a copy of a stopped agent's identity is refused: \(withCopy.stderr)")
        let withRenewed = try BinaryRunner.run([
            "call", "status", "--server", daemon.address, "--identity", selfRenewed,
        ])
        #expect(
            withRenewed.status != 0 && withRenewed.stderr.contains("revoked"),
            "so is a certificate it renewed for itself: \(withRenewed.stderr)")
        daemon.stop()
        #expect(!FileManager.default.fileExists(atPath: instance), "a daemon that stops leaves no folder behind")
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--type", "certificate", "--json",
        ])
        #expect(audit.stdout.contains("\"action\":\"identity_renew\""), "\(audit.stdout.prefix(2000))")
        #expect(audit.stdout.contains("\"action\":\"identity_withdraw\""), "\(audit.stdout.suffix(2000))")
    }

    @Test func aHolderRenewsItsOwnIdentityOverTheAPI() throws {
        let daemon = try DaemonFixture()
        defer { daemon.stop() }
        let own = daemon.directory + "/my-operator"
        try FileManager.default.copyItem(atPath: daemon.identity("operator-admin"), toPath: own)
        let before = Self.serial(own)
        let key = try String(contentsOfFile: own + "/key.pem", encoding: .utf8)
        let renewed = try BinaryRunner.run(["call", "renew", "--server", daemon.address, "--identity", own, "--json"])
        #expect(renewed.status == 0, "\(renewed.stderr)")
        #expect(Self.serial(own) != before, "a new certificate")
        #expect(try String(contentsOfFile: own + "/key.pem", encoding: .utf8) != key, "for a new key")
        let status = try BinaryRunner.run(["call", "status", "--server", daemon.address, "--identity", own])
        #expect(status.stdout.contains("spiffe://aios.local/operator/admin"), "the same identity: \(status.stdout)")
        daemon.stop()
        let audit = try BinaryRunner.run([
            "audit", "query", "--state-dir", daemon.state, "--action", "identity_renew", "--json",
        ])
        #expect(audit.stdout.contains("operator:admin"), "\(audit.stdout)")
    }

    @Test(.requiresRoot("agents spawned by the daemon"))
    func aKilledDaemonsAgentIdentitiesAreWithdrawnAtItsNextStart() throws {
        let parent = "aios-test-\(getpid())-orphan-identity"
        let daemon = try DaemonFixture(extraArguments: ["--agent-cgroup-parent", parent])
        defer {
            daemon.stop()
            removeTestCgroup(parent)
        }
        let agent = "aios-agent-monitor"
        let spawned = try daemon.call("spawn", as: "orchestrator", ["--agent", agent, "--", "/bin/sleep", "600"])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        let directory = try #require(try Self.agentIdentity(agent, daemon: daemon))
        let copy = daemon.directory + "/left-behind"
        try FileManager.default.copyItem(atPath: directory, toPath: copy)
        kill(daemon.process.processIdentifier, SIGKILL)
        daemon.process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: directory), "a killed daemon withdraws nothing itself")
        try daemon.restart()
        #expect(!FileManager.default.fileExists(atPath: directory), "the next start removes it")
        let withCopy = try BinaryRunner.run(["call", "status", "--server", daemon.address, "--identity", copy])
        #expect(
            withCopy.status != 0 && withCopy.stderr.contains("revoked"),
            "and revokes its certificate: \(withCopy.stderr)")
    }

    @Test(.requiresRoot("agents spawned by the daemon"))
    func anAgentCannotChangeItsOwnIdentityFiles() throws {
        let parent = "aios-test-\(getpid())-identity-write"
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent],
            policy: "aios-agent-monitor:\n  capabilities: [fs:read:/var/log/*]\nsandbox:\n  watchdog: {on_exit: stop}\n"
        )
        defer {
            daemon.stop()
            removeTestCgroup(parent)
        }
        // Each attempt that succeeds adds to the exit status; 0 means every one was refused.
        let script = """
            status=0
            echo forged > "$AIOS_IDENTITY/cert.pem" 2>/dev/null && status=$((status + 1))
            ln -s /tmp/x "$AIOS_IDENTITY/planted" 2>/dev/null && status=$((status + 2))
            mv "$AIOS_IDENTITY/key.pem" "$AIOS_IDENTITY/key.old" 2>/dev/null && status=$((status + 4))
            test -r "$AIOS_IDENTITY/key.pem" || status=$((status + 8))
            sleep 2
            exit $status
            """
        let agent = "aios-agent-monitor"
        let spawned = try daemon.call("spawn", as: "orchestrator", ["--agent", agent, "--", "/bin/sh", "-c", script])
        #expect(spawned.status == 0, "\(spawned.stderr)")
        var exit: String? = nil
        for _ in 0..<100 where exit == nil {
            Thread.sleep(forTimeInterval: 0.2)
            let listed = try daemon.call("agents", as: "orchestrator", ["--json"]).stdout
            if listed.contains("\"state\":\"stopped\""),
                let range = listed.range(of: #""last_exit_status":\d+"#, options: .regularExpression)
            {
                exit = String(listed[range].split(separator: ":").last ?? "")
            }
        }
        #expect(exit == "0", "every write, link and rename refused, its key readable (exit \(exit ?? "none"))")
    }
}
