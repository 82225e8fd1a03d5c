import Foundation
import Policy
import Testing

@testable import Firewall

@Suite struct RuleValidationTests {
    @Test(arguments: [
        ("10.0.0.1/24", "'10.0.0.1/24' has host bits set"),
        ("10.0.0.0/33", "'10.0.0.0/33': the prefix length must be a number from 0 to 32"),
        ("300.1.1.1", "'300.1.1.1' is not an IPv4 or IPv6 address or prefix"),
        ("exa mple.com", "'exa mple.com' is not a host name"),
        ("*.com", "'*.com': a wildcard must sit below a domain of two labels or more"),
        ("a.*.com", "'a.*.com' is not a host name"),
    ])
    func badPeersSayWhatIsWrong(text: String, message: String) {
        #expect {
            try FirewallPeer(parsing: text)
        } throws: { error in
            (error as? FirewallError)?.kind == .invalidInput && "\(error)".hasPrefix(message)
        }
    }

    @Test func peersParse() throws {
        #expect(try FirewallPeer(parsing: "any") == .any)
        // Found by fuzz-firewall-rule: "anY" was a name that printed as "any", the keyword.
        #expect(try FirewallPeer(parsing: "anY") == .any)
        let peer = try FirewallPeer(parsing: "anY")
        #expect(try FirewallPeer(parsing: peer.description) == peer)
        #expect(try FirewallPeer(parsing: "API.Example.com.") == .name(HostPattern(parsing: "api.example.com")))
        #expect(try FirewallPeer(parsing: "2001:db8::/32") == .prefix(IPPrefix(parsing: "2001:db8::/32")))
    }

    @Test func wildcardsMatchBelowTheDomainOnly() throws {
        let pattern = try HostPattern(parsing: "*.debian.org")
        #expect(pattern.matches("deb.debian.org"))
        #expect(pattern.matches("a.b.debian.org"))
        #expect(!pattern.matches("debian.org"))
        #expect(!pattern.matches("evildebian.org"))
        #expect(!pattern.matches("deb.debian.org.evil.com"))
    }

    @Test func rulesRefuseCombinationsThatCannotBeEnforced() throws {
        func rule(
            _ direction: FirewallRule.Direction, _ action: FirewallRule.Action, _ transport: FirewallRule.Transport,
            _ ports: [UInt16], _ peer: String, id: String = "r1", reason: String = "why"
        ) throws -> FirewallRule {
            try FirewallRule(
                id: id, direction: direction, action: action, transport: transport, ports: ports,
                peer: FirewallPeer(parsing: peer), author: "t", reason: reason)
        }
        let cases: [(() throws -> FirewallRule, String)] = [
            ({ try rule(.inbound, .allow, .tcp, [443], "example.com") }, "names work only in outbound allow rules"),
            ({ try rule(.outbound, .allow, .any, [], "example.com") }, "an outbound name needs a protocol and ports"),
            ({ try rule(.inbound, .allow, .any, [22], "any") }, "ports need a protocol"),
            ({ try rule(.inbound, .allow, .tcp, [22], "any", id: "a b") }, "rule id 'a b'"),
            ({ try rule(.inbound, .allow, .tcp, [22], "any", reason: " ") }, "a reason is required"),
        ]
        for (make, message) in cases {
            #expect(throws: FirewallError.invalidInput("")) { try make() }
            do {
                _ = try make()
            } catch {
                #expect("\(error)".contains(message), "\(error)")
            }
        }
    }

    @Test func rulesRoundTripThroughTheStateFile() throws {
        let path = "/tmp/aios-fw-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/rules.json"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let rules = [
            try FirewallRule(
                id: "r1", direction: .outbound, action: .allow, transport: .tcp, ports: [443],
                peer: FirewallPeer(parsing: "*.github.com"), author: "aios-agent-network", reason: "git fetch"),
            try FirewallRule(
                id: "r2", direction: .inbound, action: .deny, transport: .any, ports: [],
                peer: FirewallPeer(parsing: "198.51.100.0/24"), author: "operator", reason: "scanner"),
        ]
        let file = RuleStateFile(path: path)
        #expect(try file.load().isEmpty)
        try file.save(rules)
        #expect(try file.load() == rules)
    }
}
