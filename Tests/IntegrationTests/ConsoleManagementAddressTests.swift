import Foundation
import SecurityTesting
import Testing

/// The console on a management address, inside a network namespace the test creates (a veth pair, one end with one
/// address in the management subnet and one outside it): the server certificate names the address, a management
/// client is answered, any other source is refused and recorded once however often it asks.
@Suite("Web console on a management address")
struct ConsoleManagementAddressTests {
    @Test(
        "bound to 0.0.0.0: the certificate names the management address; other sources refused, recorded once",
        .requiresRoot("network namespaces"))
    func wildcardBinding() throws {
        let namespace = "aios-it-console-\(getpid())"
        try ip(["netns", "add", namespace])
        defer { try? ip(["netns", "del", namespace]) }
        for command in [
            ["link", "set", "lo", "up"], ["link", "add", "mgmt0", "type", "veth", "peer", "name", "mgmt1"],
            ["addr", "add", "10.77.5.1/24", "dev", "mgmt0"], ["addr", "add", "10.88.0.1/24", "dev", "mgmt0"],
            ["link", "set", "mgmt0", "up"], ["link", "set", "mgmt1", "up"],
        ] {
            try ip(["netns", "exec", namespace, "ip"] + command)
        }
        let daemon = try DaemonFixture(
            extraArguments: ["--console", "0.0.0.0:0"], namespace: namespace,
            policy: """
                worker-a:
                  capabilities: []
                firewall:
                  management: [10.77.5.0/24]
                """)
        defer { daemon.stop() }
        let bound = try #require(ConsoleBrowser.consoleAddress(state: daemon.state))
        let port = try #require(bound.split(separator: ":").last.map(String.init))
        let management = Curl(
            address: "10.77.5.1:\(port)", root: daemon.state + "/pki/root.pem", namespace: namespace,
            source: "10.77.5.1")
        // curl checks the address against the certificate: a 200 is the certificate naming 10.77.5.1.
        let page = try management.request("/login")
        #expect(page.status == "200", "\(page)")
        var outside = management
        outside.source = "10.88.0.1"
        for _ in 0..<20 {
            #expect(try outside.request("/login").status == "403")
        }
        let refused = try BinaryRunner.run(
            ["audit", "query", "--state-dir", daemon.state, "--action", "console.connect", "--json"])
        #expect(refused.stdout.components(separatedBy: "\"console.connect\"").count == 2, "\(refused.stdout)")
        #expect(refused.stdout.contains("10.88.0.1"))
        // Stopping the daemon closes the window: the other 19 are one summary entry.
        daemon.stop()
        let summary = try BinaryRunner.run(
            ["audit", "query", "--state-dir", daemon.state, "--action", "connection.refusals", "--json"])
        #expect(summary.stdout.contains("\"refusals\":20"), "\(summary.stdout)")
    }

    @discardableResult
    private func ip(_ arguments: [String]) throws -> String {
        let output = try BinaryRunner.run(executable: "/usr/sbin/ip", arguments)
        guard output.status == 0 else {
            throw DaemonFixture.FixtureError(message: "ip \(arguments.joined(separator: " ")): \(output.stderr)")
        }
        return output.stdout
    }
}
