import Foundation
import NIOCore
import Policy
import SecurityTesting
import Synchronization
import Testing

@testable import Firewall

/// The egress proxy for real: its listener inside an agent namespace that has nothing but loopback, its outbound
/// side in the test's `fw` namespace, a fake API in `ext` (10.98.0.2) under the name `api.test`.
@Suite("Egress proxy", .serialized, .requiresRoot("network namespaces"))
struct EgressProxyTests {
    /// The test's world: the network, an agent namespace, the proxy serving the agent `agent-a` on a port.
    // @unchecked: its members are set once in init; a test hands it to one task that runs an agent beside it.
    final class Lab: @unchecked Sendable {
        let network: TestNetwork
        let agentNamespace: String
        let proxy: EgressProxy
        let port: UInt16 = 3128
        let records = Records()
        /// Destinations whose capability the test took away: refused from then on.
        let revoked = Revoked()
        let uploads = Records()
        let outbound: NamespaceThread
        let agentThread: NamespaceThread
        private(set) var forwarder: DNSForwarder?

        static let names = [
            "api.test": "10.98.0.2", "other.test": "10.98.0.2", "local.test": "127.0.0.1",
            "meta.test": "169.254.169.254", "count.test": "10.98.0.2", "self.test": "10.98.0.1",
        ]

        /// `firewall`: names are resolved through a DNS forwarder in `fw` (its upstream a fake server in `ext` that
        /// knows `api.test` and `meta.test`), behind the firewall's table with `api.test` its one outbound name.
        init(configuration: EgressProxy.Configuration = .init(), firewall: Bool = false) async throws {
            network = try TestNetwork()
            agentNamespace = network.fw.replacingOccurrences(of: "-fw", with: "-agent")
            try network.run(["ip", "netns", "add", agentNamespace])
            try network.run(["ip", "-n", agentNamespace, "link", "set", "lo", "up"])
            try network.start(network.ext, script: "echo.py", ["10.98.0.2", "8443"])
            outbound = try NamespaceThread(.named(network.fw))
            var resolve: EgressProxy.Resolve = { host, loop in
                loop.makeCompletedFuture {
                    guard let address = Lab.names[host].flatMap(IPAddress.init) else {
                        throw EgressRefusal.noUsableAddress("unknown")
                    }
                    return [address]
                }
            }
            if firewall {
                try network.start(
                    network.ext, script: "dnsd.py", ["10.98.0.2", "api.test=10.98.0.2", "meta.test=10.98.0.2"])
                var policy = FirewallPolicy.default
                policy.management = [try IPPrefix(parsing: "10.99.0.0/24")]
                policy.dns.servers = [IPAddress("10.98.0.2")!]
                policy.allowedNames = [try HostPattern(parsing: "api.test")]
                policy.outboundPorts = [8443]
                let nftables = try Nftables(in: .named(network.fw))
                let ruleset = FirewallRuleset(policy: policy)
                try FirewallTable(nftables: nftables).apply(ruleset)
                let allow = AllowSets(nftables: nftables, grants: ruleset.nameGrants, minimumTTL: .seconds(60))
                let forwarder = DNSForwarder(
                    configuration: .init(policy.dns), allowSets: allow, thread: nftables.thread)
                try forwarder.start()
                self.forwarder = forwarder
                resolve = EgressResolver.server(policy.dns.listen)
            }
            agentThread = try NamespaceThread(.named(agentNamespace))
            let records = self.records
            proxy = try EgressProxy(
                configuration: configuration, outbound: outbound,
                authorize: { [revoked] agent, destination in
                    if revoked.set.withLock({ $0.contains(destination.description) }) {
                        return .deny(missing: "net:connect:\(destination)")
                    }
                    return agent == "agent-a" && destination.description == "api.test:8443"
                        || destination.host == "local.test"
                        || destination.host == "meta.test" || destination.host == "self.test"
                        || destination.host == "count.test"
                        ? .allow(capability: "net:connect:\(destination)")
                        : .deny(missing: "net:connect:\(destination)")
                },
                resolve: resolve,
                record: { connection in records.all.withLock { $0.append(connection) } },
                largeUpload: { [uploads] connection in uploads.all.withLock { $0.append(connection) } })
            let listener = try EgressProxy.listeningSocket(in: agentThread, port: port)
            _ = try await proxy.serve(listeningSocket: listener, agent: "agent-a")
        }

        /// Runs the agent's client inside the agent namespace for one target (`options`: the client's own): the
        /// proxy's status, then what came back through the tunnel.
        func agent(_ target: String, _ options: [String] = []) throws -> [String] {
            let output = try network.exec(
                agentNamespace,
                ["env", "HTTPS_PROXY=http://127.0.0.1:\(port)", "python3", network.scriptPath("agent.py")] + options
                    + [target]
            ).output
            return output.split(separator: "\n").flatMap { $0.split(separator: " ").dropFirst().map(String.init) }
        }

        /// Starts the agent's client for `target` in the background (see ``agent(_:_:)``).
        func startAgent(_ target: String, _ options: [String] = []) throws -> RunningProgram {
            try RunningProgram(
                namespace: agentNamespace,
                ["env", "HTTPS_PROXY=http://127.0.0.1:\(port)", "python3", network.scriptPath("agent.py")] + options
                    + [target])
        }

        /// Waits for the record of the connection to `target` (they are written when a connection ends).
        /// `count`: the how-manieth connection to `target` to wait for.
        func record(_ target: String, count: Int = 1) -> EgressConnection? {
            let deadline = Date() + 10
            while Date() < deadline {
                let found = records.all.withLock { $0.filter { $0.destination?.description == target } }
                if found.count >= count, let last = found.last {
                    return last
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return nil
        }

        func close() {
            proxy.shutdown()
            forwarder?.stop()
            _ = try? network.run(["ip", "netns", "del", agentNamespace], check: false)
            network.close()
        }
    }

    final class Revoked: Sendable {
        let set = Mutex<Set<String>>([])
    }

    final class Records: Sendable {
        let all = Mutex<[EgressConnection]>([])
    }

    @Test func anAllowedNameIsRelayedAndRecorded() async throws {
        let lab = try await Lab()
        defer { lab.close() }
        let output = try lab.agent("api.test:8443")
        #expect(output == ["200", "api:hi"], "\(output) \(lab.records.all.withLock { $0 })")
        let record = try #require(lab.record("api.test:8443"))
        #expect(record.refusal == nil)
        #expect(record.agent == "agent-a" && record.address == "10.98.0.2")
        #expect(record.capability == "net:connect:api.test:8443")
        #expect(record.bytesOut == 3 && record.bytesIn == 7, "\(record.bytesOut) \(record.bytesIn)")
    }

    @Test func bytesAndAnEndSentWithTheRequestBeforeTheAnswerAreRelayed() async throws {
        let lab = try await Lab()
        defer { lab.close() }
        // The agent's end reaches the fake API, which then ends too: the tunnel closes instead of hanging.
        let output = try lab.agent("api.test:8443", ["--eager"])
        #expect(output == ["200", "api:hi", "eof"], "\(output)")
    }

    @Test func everyByteBeforeTheAgentsEndReachesTheDestination() async throws {
        let lab = try await Lab()
        defer { lab.close() }
        try lab.network.start(lab.network.ext, script: "count.py", ["10.98.0.2", "8444"])
        let sent = 64 << 20
        for _ in 0..<3 {
            let counted = try lab.network.exec(
                lab.agentNamespace,
                ["python3", lab.network.scriptPath("upload.py"), "3128", "count.test:8444", String(sent)]
            ).output
            #expect(counted == "\(sent)\n", "the destination counted \(counted)")
        }
    }

    @Test func anotherNameAnAddressAndAnotherPortAreRefusedWithTheMissingCapability() async throws {
        let lab = try await Lab()
        defer { lab.close() }
        for target in ["other.test:8443", "10.98.0.2:8443", "api.test:9000"] {
            #expect(try lab.agent(target) == ["403"], "\(target)")
            let record = try #require(lab.record(target))
            #expect(record.refusal == .notAllowed(missing: "net:connect:\(target)"))
        }
    }

    @Test func namesThatResolveToLoopbackLinkLocalOrTheMachineItselfAreNeverConnected() async throws {
        let lab = try await Lab()
        defer { lab.close() }
        // self.test: an address of the proxy's own outbound namespace (the daemon's machine itself).
        for target in ["local.test:8443", "meta.test:80", "self.test:22"] {
            #expect(try lab.agent(target) == ["502"], "\(target)")
            guard case .noUsableAddress = lab.record(target)?.refusal else {
                Issue.record("\(target): \(String(describing: lab.record(target)))")
                continue
            }
        }
    }

    @Test func namesAreResolvedByTheFirewallsForwarderAndPassItsOutboundRules() async throws {
        let lab = try await Lab(firewall: true)
        defer { lab.close() }
        // The firewall's table is on in `fw`: nothing reaches the fake API before the forwarder saw an answer.
        #expect(try lab.network.connects(from: lab.network.fw, to: "10.98.0.2", port: 8443) == 0)
        #expect(try lab.agent("api.test:8443") == ["200", "api:hi"])
        #expect(lab.record("api.test:8443")?.address == "10.98.0.2")
        #expect(lab.forwarder?.statistics.learnt ?? 0 >= 1)
        // meta.test: the agent's capability allows it, the firewall's outbound names do not; the forwarder refuses.
        #expect(try lab.agent("meta.test:8443") == ["502"])
        guard case .noUsableAddress(let why) = lab.record("meta.test:8443")?.refusal else {
            Issue.record("\(String(describing: lab.record("meta.test:8443")))")
            return
        }
        #expect(why.contains("refused meta.test"), "\(why)")
    }

    @Test func anOpenTunnelIsCutWhenItsCapabilityEnds() async throws {
        let lab = try await Lab()
        defer { lab.close() }
        let held = try lab.startAgent("api.test:8443", ["--hold", "20"])
        #expect(held.nextLine() == "api.test:8443 200 api:hi", "the tunnel is up")
        let revoked = Date()
        lab.revoked.set.withLock { _ = $0.insert("api.test:8443") }
        #expect(held.finish() == ["api.test:8443 cut"])
        #expect(Date().timeIntervalSince(revoked) < 10, "cut within the sweep, not at the client's 20 s")
        #expect(lab.record("api.test:8443")?.refusal == .revoked(missing: "net:connect:api.test:8443"))
    }

    @Test func withKeepOnRevokeAnOpenTunnelRunsToItsEnd() async throws {
        var configuration = EgressProxy.Configuration()
        configuration.closeOnRevoke = false
        let lab = try await Lab(configuration: configuration)
        defer { lab.close() }
        let held = try lab.startAgent("api.test:8443", ["--hold", "3"])
        #expect(held.nextLine() == "api.test:8443 200 api:hi", "the tunnel is up")
        lab.revoked.set.withLock { _ = $0.insert("api.test:8443") }
        #expect(held.finish() == ["api.test:8443 held"])
        #expect(try lab.agent("api.test:8443") == ["403"], "new connections are refused all the same")
    }

    /// A tunnel open for long is recorded while still open (once), so a daemon that dies with it open leaves a
    /// record of it; its end is recorded as every connection's is.
    @Test func aLongOpenTunnelIsRecordedWhileOpen() async throws {
        var configuration = EgressProxy.Configuration()
        configuration.recordOpenAfter = .seconds(1)
        let lab = try await Lab(configuration: configuration)
        defer { lab.close() }
        let held = try lab.startAgent("api.test:8443", ["--hold", "8"])
        #expect(held.nextLine() == "api.test:8443 200 api:hi", "the tunnel is up")
        let open = try #require(lab.record("api.test:8443"))
        #expect(open.stillOpen, "recorded while open")
        #expect(open.capability == "net:connect:api.test:8443" && open.address == "10.98.0.2")
        #expect(open.bytesIn > 0, "with the bytes so far")
        #expect(held.finish() == ["api.test:8443 held"])
        let closed = try #require(lab.record("api.test:8443", count: 2))
        #expect(!closed.stillOpen && closed.refusal == nil)
        #expect(lab.records.all.withLock { $0.count } == 2, "once while open, once at its end")
    }

    @Test func anIdleTunnelIsClosed() async throws {
        var configuration = EgressProxy.Configuration()
        configuration.idleTimeout = .seconds(1)
        let lab = try await Lab(configuration: configuration)
        defer { lab.close() }
        #expect(try lab.agent("api.test:8443", ["--hold", "20"]) == ["200", "api:hi", "cut"])
        guard case .idle = lab.record("api.test:8443")?.refusal else {
            Issue.record("\(String(describing: lab.record("api.test:8443")))")
            return
        }
    }

    @Test func anAgentOverItsHourlyUploadIsCutAndRefusedAndALargeUploadIsReported() async throws {
        var configuration = EgressProxy.Configuration()
        configuration.limits.uploadPerHour = 10_000
        configuration.uploadAlert = 4_000
        let lab = try await Lab(configuration: configuration)
        defer { lab.close() }
        #expect(try lab.agent("api.test:8443", ["--upload", "6000"]).first == "200")
        #expect(lab.record("api.test:8443")?.refusal == nil)
        let reported = lab.uploads.all.withLock { $0.map(\.bytesOut) }
        #expect(reported.count == 1 && reported[0] >= 4_000, "reported once, while open: \(reported)")
        let cut = try lab.agent("api.test:8443", ["--upload", "6000", "--hold", "5"])
        #expect(cut.first == "200" && cut.last == "cut", "\(cut)")
        #expect(lab.record("api.test:8443", count: 2)?.refusal == .overLimit("10000 bytes sent in the last hour"))
        #expect(try lab.agent("api.test:8443") == ["429"], "refused until the hour's window has room")
    }

    @Test func aClientHelloNamingAnotherHostIsCut() async throws {
        let lab = try await Lab()
        defer { lab.close() }
        let output = try lab.agent("api.test:8443", ["--sni", "other.test"])
        #expect(output.first == "200" && output.last == "closed", "\(output)")
        let record = try #require(lab.record("api.test:8443"))
        #expect(record.refusal == .nameMismatch(connect: "api.test", sni: "other.test"))
        #expect(record.serverName == "other.test")
    }

    @Test func theAgentNamespaceHasNoOtherWayOut() async throws {
        let lab = try await Lab()
        defer { lab.close() }
        let direct = lab.network.scriptPath("direct.py")
        let tcp = try lab.network.exec(lab.agentNamespace, ["python3", direct, "10.98.0.2", "8443", "tcp"]).output
        #expect(tcp.contains("unreachable"), "\(tcp)")
        let dns = try lab.network.exec(lab.agentNamespace, ["python3", direct, "10.98.0.2", "53", "udp"]).output
        #expect(dns.contains("unreachable"), "\(dns)")
    }

    @Test func aRequestWhoseHeadNeverEndsIsEndedAtTheRequestDeadline() async throws {
        var configuration = EgressProxy.Configuration()
        configuration.requestTimeout = .seconds(1)
        let lab = try await Lab(configuration: configuration)
        defer { lab.close() }
        #expect(try lab.agent("api.test:8443", ["--stall"]) == ["400"])
        // The head was never whole, so the record names no destination.
        let deadline = Date() + 10
        var refusals: [EgressRefusal] = []
        while Date() < deadline, refusals.isEmpty {
            refusals = lab.records.all.withLock { $0.filter { $0.destination == nil }.compactMap(\.refusal) }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(refusals.contains { "\($0)".contains("no whole CONNECT request") }, "\(refusals)")
    }

    @Test func aRequestThatIsNotConnectIsRefused() async throws {
        #expect(throws: EgressRefusal.self) { try EgressDestination(authority: "api.test") }
        #expect(throws: EgressRefusal.self) { try EgressDestination(authority: "api..test:443") }
        #expect(throws: EgressRefusal.self) { try EgressDestination(authority: "api.test:0") }
        #expect(throws: EgressRefusal.self) { try EgressDestination(authority: "api.test:+443") }
        #expect(throws: EgressRefusal.self) { try EgressDestination(authority: "a b:443") }
        #expect(try EgressDestination(authority: "API.Test.:443").description == "api.test:443")
        #expect(try EgressDestination(authority: "[::1]:443").isAddress)
        // An address never passes as a name: the canonical form with a trailing dot is the address; other IPv4
        // forms resolvers accept are refused.
        let dotted = try EgressDestination(authority: "10.0.0.5.:443")
        #expect(dotted.isAddress && dotted.description == "10.0.0.5:443")
        for numeric in ["167772165:443", "0x7f.1:443", "10.0.5:443", "010.0.0.5:443", "1.2.3.0x4:443"] {
            #expect(throws: EgressRefusal.self, "\(numeric)") { try EgressDestination(authority: numeric) }
        }
        #expect(try !EgressDestination(authority: "a1.example:443").isAddress)
    }
}
