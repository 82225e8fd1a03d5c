import Capabilities
import Policy
import Testing

@testable import Detection

/// Parses one line, as the tail and the replay do.
func parseLine(_ text: String, receivedAt: Timestamp? = nil, year: Int = 2026) -> AuthLogParser.Result {
    var parser = AuthLogParser(classicYear: year)
    var copy = text
    return copy.withUTF8 { parser.parse($0, receivedAt: receivedAt) }
}

@Suite struct AuthLogParserTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let line: String
        let kind: SSHDEvent.Kind
        let source: String
        let port: UInt16
        var testDescription: String { line }
    }

    static let prefix = "2026-06-01T00:01:11.023625+00:00 aios-gw sshd[65000]: "

    static let debianFormats: [Case] = [
        Case(
            line: prefix + "Failed password for root from 203.0.113.5 port 51234 ssh2", kind: .failedPassword,
            source: "203.0.113.5", port: 51234),
        Case(
            line: prefix + "Failed password for invalid user kali from 144.183.30.204 port 57441 ssh2",
            kind: .failedPassword, source: "144.183.30.204", port: 57441),
        Case(
            line: prefix + "Failed keyboard-interactive/pam for invalid user pi from 192.0.2.8 port 2 ssh2",
            kind: .failedPassword, source: "192.0.2.8", port: 2),
        Case(
            line: prefix + "Invalid user kali from 144.183.30.204 port 57441", kind: .invalidUser,
            source: "144.183.30.204", port: 57441),
        Case(line: prefix + "Invalid user admin from 192.0.2.1", kind: .invalidUser, source: "192.0.2.1", port: 0),
        Case(
            line: prefix + "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
                + "rhost=144.183.30.204", kind: .pamFailure, source: "144.183.30.204", port: 0),
        Case(
            line: prefix + "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= "
                + "rhost=189.170.213.35  user=agent", kind: .pamFailure, source: "189.170.213.35", port: 0),
        Case(
            line: prefix + "error: maximum authentication attempts exceeded for invalid user test from 192.0.2.3 "
                + "port 4444 ssh2 [preauth]", kind: .maximumAttempts, source: "192.0.2.3", port: 4444),
        Case(
            line: prefix + "Connection closed by invalid user kali 144.183.30.204 port 57441 [preauth]",
            kind: .connectionEnd, source: "144.183.30.204", port: 57441),
        Case(
            line: prefix + "Connection closed by authenticating user root 192.0.2.4 port 22 [preauth]",
            kind: .connectionEnd, source: "192.0.2.4", port: 22),
        Case(
            line: prefix + "Connection closed by 192.0.2.5 port 6000 [preauth]", kind: .connectionEnd,
            source: "192.0.2.5", port: 6000),
        Case(
            line: prefix + "Connection reset by invalid user deploy 198.72.18.127 port 8263 [preauth]",
            kind: .connectionEnd, source: "198.72.18.127", port: 8263),
        Case(
            line: prefix + "Disconnected from invalid user kali 144.183.30.204 port 57441 [preauth]",
            kind: .connectionEnd, source: "144.183.30.204", port: 57441),
        Case(
            line: prefix + "Disconnected from user alice 10.1.2.3 port 64464", kind: .connectionEnd,
            source: "10.1.2.3", port: 64464),
        Case(
            line: prefix + "Received disconnect from 144.183.30.204 port 57441:11: Bye Bye [preauth]",
            kind: .connectionEnd, source: "144.183.30.204", port: 57441),
        Case(
            line: prefix + "Disconnecting invalid user test 192.0.2.3 port 4444: Too many authentication failures "
                + "[preauth]", kind: .connectionEnd, source: "192.0.2.3", port: 4444),
        Case(
            line: prefix + "Timeout before authentication for 192.0.2.6 port 1234", kind: .connectionEnd,
            source: "192.0.2.6", port: 1234),
        Case(
            line: prefix + "Accepted publickey for agent22 from 10.1.110.47 port 64464 ssh2: ED25519 SHA256:fVAF",
            kind: .accepted, source: "10.1.110.47", port: 64464),
        Case(
            line: prefix + "Failed password for root from 2001:db8::8a2e:370:7334 port 40022 ssh2",
            kind: .failedPassword, source: "2001:db8::8a2e:370:7334", port: 40022),
        Case(
            line: prefix + "Connection closed by invalid user a 2001:db8::1 port 9 [preauth]", kind: .connectionEnd,
            source: "2001:db8::1", port: 9),
        Case(
            line: "Jun  1 00:00:01 aios-gw sshd[12]: Failed password for root from 192.0.2.9 port 5 ssh2",
            kind: .failedPassword, source: "192.0.2.9", port: 5),
        Case(
            line: "2026-06-01T02:01:11+0200 aios-gw sshd-session[7]: Invalid user x from 192.0.2.10 port 6",
            kind: .invalidUser, source: "192.0.2.10", port: 6),
    ]

    @Test("every Debian sshd/PAM format yields its event", arguments: debianFormats)
    func debianFormat(_ example: Case) throws {
        guard case .event(let event) = parseLine(example.line) else {
            Issue.record("not parsed: \(example.line)")
            return
        }
        #expect(event.kind == example.kind)
        #expect(event.source == IPAddress(example.source))
        #expect(event.port == example.port)
    }

    @Test func timestampsAreReadInEveryFormat() throws {
        let expected = Timestamp(millisecondsSinceEpoch: 1_780_272_071_023)  // 2026-06-01T00:01:11.023Z
        for line in [
            Self.prefix + "Invalid user a from 192.0.2.1 port 1",
            "2026-06-01T02:01:11.023+02:00 h sshd[1]: Invalid user a from 192.0.2.1 port 1",
            "2026-06-01T00:01:11.023Z h sshd[1]: Invalid user a from 192.0.2.1 port 1",
        ] {
            guard case .event(let event) = parseLine(line) else {
                Issue.record("not parsed: \(line)")
                continue
            }
            #expect(event.time == expected)
            #expect(event.pid != nil)
        }
        guard case .event(let classic) = parseLine("Jun  1 00:01:11 h sshd[1]: Invalid user a from 192.0.2.1 port 1")
        else {
            Issue.record("classic timestamp not parsed")
            return
        }
        #expect(classic.time == Timestamp(millisecondsSinceEpoch: 1_780_272_071_000))
    }

    @Test func classicTimestampsRollOverTheYear() {
        var parser = AuthLogParser(classicYear: 2025)
        var times: [Timestamp] = []
        for line in [
            "Dec 31 23:59:59 h sshd[1]: Invalid user a from 192.0.2.1 port 1",
            "Jan  1 00:00:01 h sshd[1]: Invalid user a from 192.0.2.1 port 1",
        ] {
            var copy = line
            if case .event(let event) = copy.withUTF8({ parser.parse($0) }) { times.append(event.time) }
        }
        #expect(times.map(\.rfc3339) == ["2025-12-31T23:59:59.000Z", "2026-01-01T00:00:01.000Z"])
    }

    @Test func bareLinesOfSshdsOwnLogAreTimedWhenRead() {
        let now = Timestamp.seconds(1_800_000_000)
        guard
            case .event(let event) = parseLine(
                "Failed password for root from 10.0.0.2 port 3 ssh2\r\n", receivedAt: now)
        else {
            Issue.record("bare line not parsed")
            return
        }
        #expect(event.time == now && event.pid == nil && event.kind == .failedPassword)
    }

    /// The address is read from the right: a user name cannot smuggle in another one.
    @Test func aChosenUserNameCannotNameTheSource() {
        let line =
            Self.prefix + "Failed password for invalid user x from 10.9.9.9 port 1 ssh2 from 192.0.2.77 port 2 ssh2"
        guard case .event(let event) = parseLine(line) else {
            Issue.record("not parsed")
            return
        }
        #expect(event.source == IPAddress("192.0.2.77"))
        let probe = Self.prefix + "Invalid user a from 10.9.9.9 port 1 from 192.0.2.78 port 5"
        guard case .event(let invalid) = parseLine(probe) else {
            Issue.record("not parsed")
            return
        }
        #expect(invalid.source == IPAddress("192.0.2.78") && invalid.port == 5)
    }

    @Test(
        "lines that are not sshd's authentication messages are skipped with a reason",
        arguments: [
            (prefix + "Server listening on 0.0.0.0 port 22.", AuthLogSkip.irrelevant),
            (prefix + "error: kex_exchange_identification: Connection closed by remote host", .irrelevant),
            (prefix + "Failed publickey for root from 192.0.2.1 port 3 ssh2: RSA SHA256:x", .irrelevant),
            ("2026-06-01T00:01:11.023625+00:00 aios-gw CRON[5]: pam_unix(cron:session): session opened", .otherProgram),
            (
                "2026-06-01T00:01:11+00:00 h sshdx[1]: Failed password for root from 192.0.2.1 port 3 ssh2",
                .otherProgram
            ),
            (prefix + "Failed password for root from 999.1.1.1 port 3 ssh2", .malformed),
            (prefix + "Failed password for root from 192.0.2.1 port 70000 ssh2", .malformed),
            (prefix + "Failed password for root from 192.0.2.1 port 3", .malformed),
            (prefix + "Invalid user admin from nowhere", .malformed),
            (prefix + "Connection closed by somebody port x [preauth]", .malformed),
            ("2026-13-01T00:01:11+00:00 h sshd[1]: Invalid user a from 192.0.2.1 port 1", .malformed),
            ("garbage", .malformed),
            ("", .malformed),
            ("2026-06-01T00:01:11.0236250000+00:00 h sshd[1]: x", .malformed),
            ("2026-06-01T00:01:11.023625+0", .malformed),  // found by fuzz-authlog: a zone cut short
            ("2026-06-01T00:01:11.023625+00:", .malformed),
            ("2026-06-01T00:01:11+00:00 h sshd[99999999999]: Invalid user a from 192.0.2.1 port 1", .malformed),
        ])
    func skipped(_ line: String, _ reason: AuthLogSkip) {
        #expect(parseLine(line) == .skipped(reason))
    }

    @Test func arbitraryBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let pieces = [
            Self.prefix, "Failed password for ", "Invalid user ", " from ", " port ", "::", "1.2.3.4", " ssh2",
            "[preauth]", "\u{0}", "\u{FF}", " ", ":", "9999999999999999999999", "rhost=",
        ]
        for _ in 0..<2000 {
            let line = (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement()! }.joined()
            _ = parseLine(line)
        }
    }
}

@Suite struct AcceptedLoginTests {
    static let prefix = "2026-06-01T00:01:11.023625+00:00 aios-gw sshd[4242]: "

    @Test func aKeyLoginNamesTheUserTheMethodAndTheKeyFingerprint() throws {
        let line =
            Self.prefix + "Accepted publickey for root from 10.77.0.1 port 56539 ssh2: ED25519 "
            + "SHA256:8yTyYeq6NiTkgZ3kvgPyJcLAndWaSfI8r79CDGwxIzM"
        guard case .event(let event) = parseLine(line) else {
            Issue.record("not parsed")
            return
        }
        #expect(event.kind == .accepted)
        #expect(event.pid == 4242)
        #expect(event.source == IPAddress("10.77.0.1"))
        #expect(
            event.login
                == AcceptedLogin(
                    user: "root", method: "publickey", keyType: "ED25519",
                    fingerprint: "SHA256:8yTyYeq6NiTkgZ3kvgPyJcLAndWaSfI8r79CDGwxIzM"))
    }

    @Test func aPasswordLoginHasNoKey() throws {
        guard case .event(let event) = parseLine(Self.prefix + "Accepted password for alice from 192.0.2.1 port 2 ssh2")
        else {
            Issue.record("not parsed")
            return
        }
        #expect(event.login == AcceptedLogin(user: "alice", method: "password"))
    }

    /// A certificate's key id is the CA's text: the line then gives no fingerprint rather than one read from it.
    @Test func aCertificateLoginGivesNoFingerprintFromItsKeyID() throws {
        let line =
            Self.prefix + "Accepted publickey for root from 10.0.0.1 port 1 ssh2: ED25519-CERT SHA256:abc ID "
            + "x SHA256:forged (serial 1) CA ED25519 SHA256:def"
        guard case .event(let event) = parseLine(line) else {
            Issue.record("not parsed")
            return
        }
        #expect(event.login?.fingerprint == nil)
        #expect(event.login?.user == "root")
    }

    /// sshd's VERBOSE `Accepted key … found at …` precedes the login: it is no event of its own.
    @Test func theVerboseKeyFoundLineIsNoLogin() {
        let line = Self.prefix + "Accepted key ED25519 SHA256:8yTy found at /etc/aios/ssh/authorized_keys:1"
        #expect(parseLine(line) == .skipped(.irrelevant))
    }
}
