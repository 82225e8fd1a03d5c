import Foundation
import Policy
import SecurityTesting
import Testing

/// The whole path of an agent as a real client: the daemon spawns the task agent confined; inside its sandbox a
/// Python program using the SDK (knowing the daemon only from AIOS_SOCKET and AIOS_IDENTITY) reads a file it may
/// read, is denied a write, waits for the orchestrator's program (outside, also the SDK) to grant the task, writes,
/// and is denied again once the orchestrator completes the task — and the ledger shows each step in order.
@Suite(.serialized) struct AgentSDKEndToEndTests {
    /// The SDK's virtual environment (`make test` makes it before the Swift tests): `$AIOS_SDK_VENV` or `.venv`.
    static var sitePackages: String? {
        let venv =
            ProcessInfo.processInfo.environment["AIOS_SDK_VENV"]
            ?? BinaryRunner.repositoryRoot.appendingPathComponent(".venv").path
        let lib = venv + "/lib"
        let python = (try? FileManager.default.contentsOfDirectory(atPath: lib))?.first { $0.hasPrefix("python3") }
        return python.map { lib + "/" + $0 + "/site-packages" }
    }

    @Test(.requiresRoot("agents spawned by the daemon"))
    func anAgentInItsSandboxUsesTheSDKAsItself() throws {
        let site = try #require(Self.sitePackages, "no SDK venv: run `make sdk-venv` (make test does)")
        let parent = "aios-test-\(getpid())-e2e"
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("aios-e2e-\(UUID().uuidString)").path
        let data = base + "/data"
        let scripts = base + "/agent"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scripts, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        try "hello from the input\n".write(toFile: data + "/input.txt", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: BinaryRunner.fixture("sdk-e2e/agent.py"), toPath: scripts + "/agent.py")
        for path in [base, data, scripts] { chmod(path, 0o755) }
        chmod(scripts + "/agent.py", 0o644)
        chmod(data + "/input.txt", 0o644)
        // The SDK's native modules (grpcio's) are mapped executable: its packages join the runtime, the only place
        // an agent may run code from; the data and the agent's script are only readable.
        let runtime = (SandboxPolicy.defaultRuntime + [site]).joined(separator: ", ")
        let daemon = try DaemonFixture(
            extraArguments: ["--agent-cgroup-parent", parent, "--socket", base + "/daemon.sock"],
            policy: """
                aios-agent-task:
                  capabilities: [fs:read:\(data)/*, fs:read:\(scripts)/*]
                  grant_ceiling:
                    allow: [fs:*]
                sandbox:
                  runtime: [\(runtime)]
                  watchdog: {on_exit: stop}
                """)
        defer {
            daemon.stop()
            removeTestCgroup(parent)
        }
        let orchestrator = Process()
        orchestrator.executableURL = URL(fileURLWithPath: (site as NSString).deletingLastPathComponent)
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("bin/python")
        orchestrator.arguments = [
            BinaryRunner.fixture("sdk-e2e/orchestrator.py"), daemon.address, daemon.identity("orchestrator"), site,
            data, scripts + "/agent.py",
        ]
        let output = Pipe()
        orchestrator.standardOutput = output
        orchestrator.standardError = output
        try orchestrator.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        orchestrator.waitUntilExit()
        #expect(orchestrator.terminationStatus == 0, "\(printed)")
        #expect(printed.contains("agent exit 0"), "every step inside the sandbox went as the policy says: \(printed)")
        #expect(try String(contentsOfFile: data + "/out.txt", encoding: .utf8) == "HELLO FROM THE INPUT\n")

        daemon.stop()
        let ledger = try BinaryRunner.run(["audit", "query", "--state-dir", daemon.state, "--json"])
        let steps = ledger.stdout.split(separator: "\n").compactMap { line -> String? in
            let text = String(line)
            func has(_ fragment: String) -> Bool { text.contains(fragment) }
            // The Broker's result entries (beside each allowed decision's) and the denied decisions.
            let agent = has(#""agent":"aios-agent-task""#)
            let done = has(#""phase":"result""#) && has(#""result":"success""#)
            if agent && has(#""action":"fs.read""#) && done { return "read" }
            if agent && has(#""action":"fs.write""#) && done { return "write" }
            if agent && has(#""action":"fs.write""#) && has(#""result":"denied""#) { return "write denied" }
            if has(#""event_type":"capability_grant""#) && has("task-e2e") { return "grant" }
            if has(#""event_type":"capability_revoke""#) && has("task-e2e") { return "task completed" }
            return nil
        }
        #expect(
            steps == ["read", "write denied", "grant", "write", "task completed", "write denied"],
            "the ledger, in order: \(steps)")
    }
}
