import Audit
import Policy
import Testing

@testable import Detection

func consolePolicy(management: String = "[10.77.0.0/29]", operators: Bool = true) throws -> SecurityPolicy {
    let emergency =
        operators
        ? """
        emergency:
          ssh_port: 2222
          operators:
            alice:
              ssh_keys: ["\(aliceKey.description) alice@laptop"]
            bob:
              ssh_keys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILXm0g4UgE+3KRQ8Cq53VHITCAYeN+n+cz/fTp054NAA"]
        """ : ""
    return try SecurityPolicy.parse(
        yaml: """
            worker:
              capabilities: []
            firewall:
              management: \(management)
            \(emergency)
            """, file: "console.yaml")
}

@Suite struct SSHConsoleConfigTests {
    @Test func theDropInRestrictsSourcesToTheManagementSubnetsAndKeys() throws {
        let config = try SSHConsoleConfig(
            policy: consolePolicy(), authorizedKeysPath: "/etc/aios/ssh/authorized_keys",
            bannerPath: "/etc/aios/ssh/banner")
        let text = config.dropIn()
        for line in [
            "Port 2222", "AllowUsers root@10.77.0.0/29", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password", "AuthenticationMethods publickey", "LogLevel VERBOSE", "UsePAM yes",
            "AuthorizedKeysFile /etc/aios/ssh/authorized_keys", "Banner /etc/aios/ssh/banner",
        ] {
            #expect(text.split(separator: "\n").contains(Substring(line)), "missing: \(line)")
        }
        #expect(text == config.dropIn())
    }

    @Test func noManagementSubnetMeansLoopbackOnly() throws {
        let config = try SSHConsoleConfig(
            policy: consolePolicy(management: "[]"), authorizedKeysPath: "/k", bannerPath: "/b")
        #expect(config.dropIn().contains("AllowUsers root@127.0.0.1 root@::1\n"))
    }

    /// Each key line names its operator; the key's own comment (free text) is not copied.
    @Test func theKeysFileNamesEachOperator() throws {
        let config = try SSHConsoleConfig(policy: consolePolicy(), authorizedKeysPath: "/k", bannerPath: "/b")
        let lines = config.authorizedKeys().split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines.count == 2)
        #expect(lines[0] == Substring(aliceKey.description + " aios-operator:alice"))
        #expect(lines[1].hasSuffix(" aios-operator:bob"))
    }

    @Test func aPolicyWithoutOperatorsIsRefused() throws {
        #expect(throws: SSHConsoleError.self) {
            try SSHConsoleConfig(policy: consolePolicy(operators: false), authorizedKeysPath: "/k", bannerPath: "/b")
        }
    }

    /// A path sshd would split or expand (`%u`, spaces) could point the keys file elsewhere.
    @Test func pathsSSHDWouldReadOtherwiseAreRefused() throws {
        for path in ["relative", "/a b", "/home/%u/keys", "/a\"b", "/a\nb"] {
            #expect(throws: SSHConsoleError.self) {
                try SSHConsoleConfig(policy: consolePolicy(), authorizedKeysPath: path, bannerPath: "/b")
            }
        }
    }

    /// The banner is shown before authentication: numbers only, and no terminal controls from any field.
    @Test func theBannerCarriesNumbersAndNoControls() {
        let banner = ConsoleBanner(
            state: .init(mode: "manual\u{1B}]0;owned\u{07}", runningAgents: 3, recentAlerts: 2, asOf: .seconds(0))
        )
        .render()
        #expect(banner.contains("running agents  3"))
        #expect(banner.contains("alerts (24 h)   2"))
        #expect(!banner.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(ConsoleBanner(state: .init()).render().contains("  mode            not known"))
    }
}

@Suite struct DraftQueueTests {
    /// A flood of commands past the bound is dropped and counted; session entries are always kept.
    @Test func aFloodIsBoundedAndCounted() {
        let queue = DraftQueue(capacity: 10)
        let command = AuditDraft(
            eventType: .humanCommand, agent: "human", action: "exec", target: "session/1", result: .success,
            riskLevel: .medium)
        var session = command
        session.eventType = .humanSession
        queue.push([AuditDraft](repeating: command, count: 25) + [session])
        let taken = queue.take(waiting: .zero)
        #expect(taken.drafts.count == 11)
        #expect(taken.drafts.last?.eventType == .humanSession)
        #expect(taken.dropped == 15)
        #expect(queue.take(waiting: .zero).dropped == 0)
    }
}
