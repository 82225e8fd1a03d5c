import Foundation
import SecurityTesting
import Testing

@Suite("serve --human-sessions: people's programs in the ledger, their sessions in Status")
struct HumanSessionDaemonTests {
    @Test(
        "a process with a login uid (as pam_loginuid gives an SSH session) is a human session: listed, its programs recorded",
        .requiresRoot("the proc connector and writing a login uid"))
    func loginSessionIsSeen() throws {
        let daemon = try DaemonFixture(extraArguments: ["--human-sessions"])
        defer { daemon.stop() }
        // What pam_loginuid does for a login: a login uid, and with it a new session id from the kernel.
        let person = Process()
        person.executableURL = URL(fileURLWithPath: "/bin/sh")
        person.arguments = [
            "-c", "echo 4242 > /proc/self/loginuid && exec sleep 61.7",
        ]
        try person.run()
        defer {
            // SIGKILL: a SIGTERM the test runner ignores is ignored by its children too.
            kill(person.processIdentifier, SIGKILL)
            person.waitUntilExit()
        }
        var listed = ""
        let seen = AgentTree.wait(20) {
            listed = (try? daemon.call("status", as: "orchestrator", ["--json"]).stdout) ?? ""
            return listed.contains("\"user\":\"uid 4242\"")
        }
        #expect(seen, "the session is in Status: \(listed)")
        var commands = ""
        let recorded = AgentTree.wait(20) {
            commands =
                (try? BinaryRunner.run([
                    "audit", "query", "--state-dir", daemon.state, "--type", "human_command", "--json",
                ]).stdout) ?? ""
            // A long-lived program: one as quick as `echo` may end before its argv is read (it is then recorded
            // with argv_unknown).
            return commands.contains("[\"sleep\",\"61.7\"]")
        }
        #expect(recorded, "the program and its argument are in the ledger: \(commands)")
        let agentView = try daemon.call("status", as: "aios-agent-monitor")
        #expect(agentView.stdout.contains("human session"), "agents see a person is there: \(agentView.stdout)")
    }
}
