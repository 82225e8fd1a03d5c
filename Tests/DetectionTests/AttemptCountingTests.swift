import Capabilities
import Policy
import Testing

@testable import Detection

/// "One failure per failed attempt, not per log line": multi-line attempts as OpenSSH 9.2 and pam_unix write them.
@Suite struct AttemptCountingTests {
    /// The failed attempts `lines` amount to, in replay (log time) mode, probes flushed at the end.
    func attempts(_ lines: [String]) -> [FailedAttempt] {
        var parser = AuthLogParser(classicYear: 2026)
        var tracker = AttemptTracker()
        var found: [FailedAttempt] = []
        for line in lines {
            var copy = "2026-06-01T00:00:0\(found.count % 10).000000+00:00 h sshd[77]: " + line
            guard case .event(let event) = copy.withUTF8({ parser.parse($0) }) else { continue }
            if let attempt = tracker.observe(event, line: { line }) { found.append(attempt) }
        }
        return found + tracker.flush()
    }

    @Test func aPasswordGuessingConnectionCountsEachPasswordOnce() {
        let found = attempts([
            "Invalid user kali from 192.0.2.1 port 5",
            "pam_unix(sshd:auth): check pass; user unknown",
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1",
            "Failed password for invalid user kali from 192.0.2.1 port 5 ssh2",
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.1",
            "Failed password for invalid user kali from 192.0.2.1 port 5 ssh2",
            "Received disconnect from 192.0.2.1 port 5:11: Bye Bye [preauth]",
            "Disconnected from invalid user kali 192.0.2.1 port 5 [preauth]",
        ])
        #expect(found.count == 2)
        #expect(found.allSatisfy { $0.evidence.hasPrefix("Failed password") })
    }

    @Test func maxAuthTriesAddsNothing() {
        var lines = [
            "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.2  user=root"
        ]
        lines += Array(repeating: "Failed password for root from 192.0.2.2 port 6 ssh2", count: 6)
        lines += [
            "error: maximum authentication attempts exceeded for root from 192.0.2.2 port 6 ssh2 [preauth]",
            "Disconnecting authenticating user root 192.0.2.2 port 6: Too many authentication failures [preauth]",
            "PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.2  user=root",
        ]
        #expect(attempts(lines).count == 6)
    }

    @Test func aUsernameProbeCountsOnceAtItsInvalidUserLine() {
        let found = attempts([
            "Invalid user admin from 192.0.2.3 port 7",
            "Connection closed by invalid user admin 192.0.2.3 port 7 [preauth]",
        ])
        #expect(found.count == 1)
        #expect(found.first?.evidence.hasPrefix("Invalid user") == true)
    }

    @Test func probesEndedAnyWayCountOnce() {
        for end in [
            "Received disconnect from 192.0.2.4 port 8:11: Bye Bye [preauth]",
            "Connection reset by invalid user a 192.0.2.4 port 8 [preauth]",
            "Timeout before authentication for 192.0.2.4 port 8",
        ] {
            let found = attempts([
                "Invalid user a from 192.0.2.4 port 8", end,
                "Disconnected from invalid user a 192.0.2.4 port 8 [preauth]",
            ])
            #expect(found.count == 1, "\(end)")
        }
    }

    @Test func keyOnlyProbersAndScannersAreNoAttempts() {
        #expect(
            attempts([
                "Connection closed by authenticating user root 192.0.2.5 port 9 [preauth]",
                "Connection closed by 192.0.2.5 port 10 [preauth]",
                "Failed publickey for root from 192.0.2.5 port 11 ssh2: RSA SHA256:abc",
                "Unable to negotiate with 192.0.2.5 port 12: no matching host key type found. [preauth]",
                "Accepted publickey for alice from 192.0.2.5 port 13 ssh2: ED25519 SHA256:x",
            ]).isEmpty)
    }

    @Test func interleavedConnectionsAreKeptApartByEndpoint() {
        let found = attempts([
            "Invalid user a from 192.0.2.6 port 100",
            "Invalid user b from 192.0.2.6 port 101",
            "Failed password for invalid user b from 192.0.2.6 port 101 ssh2",
            "Connection closed by invalid user a 192.0.2.6 port 100 [preauth]",
            "Connection closed by invalid user b 192.0.2.6 port 101 [preauth]",
        ])
        #expect(found.count == 2)
    }

    @Test func probesWithoutAnEndExpireAfterTheHorizon() {
        var tracker = AttemptTracker()
        let event = SSHDEvent(
            kind: .invalidUser, time: .seconds(1000), source: IPAddress("192.0.2.7")!, port: 1, pid: nil)
        #expect(tracker.observe(event, line: { "Invalid user x" }) == nil)
        #expect(tracker.expire(before: .seconds(1000)).isEmpty)
        #expect(tracker.expire(before: .seconds(1001)).count == 1)
        #expect(tracker.probes.isEmpty)
    }
}
