import Capabilities
import Foundation
import Policy
import SecurityTesting
import Testing

@testable import Detection

/// Which journal entries count as sshd's: only the fields journald sets from the kernel's view of the sender.
@Suite struct SSHDJournalTrustTests {
    let trust = SSHDJournalTrust()
    let line = "Failed password for root from 198.51.100.7 port 4242 ssh2"

    private func entry(_ fields: [String: String]) throws -> JournalEntry {
        let json = try JSONSerialization.data(withJSONObject: fields.merging(["MESSAGE": line]) { $1 })
        return try #require(JournalEntry.parse(Array(json)))
    }

    @Test func sshdRunningAsRootCounts() throws {
        let accepted = try #require(
            trust.message(of: try entry(["_EXE": "/usr/sbin/sshd", "_UID": "0", "_PID": "812"])))
        #expect(String(decoding: accepted.message, as: UTF8.self) == line)
        #expect(accepted.pid == 812)
        #expect(trust.message(of: try entry(["_EXE": "/usr/lib/openssh/sshd-session", "_UID": "0"])) != nil)
        #expect(
            trust.message(of: try entry(["_EXE": "/usr/sbin/sshd (deleted)", "_UID": "0"])) != nil,
            "sshd still running after an upgrade replaced its file")
    }

    @Test(arguments: [
        ["_EXE": "/usr/bin/logger", "_UID": "0", "_COMM": "sshd", "SYSLOG_IDENTIFIER": "sshd"],
        ["_EXE": "/usr/sbin/sshd", "_UID": "65534"],
        ["_UID": "0", "_COMM": "sshd", "_SYSTEMD_UNIT": "ssh.service"],
        ["_EXE": "/tmp/usr/sbin/sshd", "_UID": "0"],
        ["_EXE": "/usr/sbin/sshd (deleted) ", "_UID": "0"],
    ])
    func anyoneElseDoesNot(fields: [String: String]) throws {
        #expect(trust.message(of: try entry(fields)) == nil)
    }

    @Test func aFieldGivenTwiceIsNotTrusted() throws {
        let json = #"{"MESSAGE":"x","_EXE":["/usr/sbin/sshd","/usr/bin/logger"],"_UID":"0"}"#
        let parsed = try #require(JournalEntry.parse(Array(json.utf8)))
        #expect(parsed["_EXE"] == .several)
        #expect(trust.message(of: parsed) == nil)
    }

    @Test func aBinaryMessageIsReadAsBytes() throws {
        let json = #"{"MESSAGE":[70,97,105,108,255],"_EXE":"/usr/sbin/sshd","_UID":"0","__CURSOR":"s=1;i=2"}"#
        let parsed = try #require(JournalEntry.parse(Array(json.utf8)))
        #expect(trust.message(of: parsed)?.message == [70, 97, 105, 108, 255])
        #expect(parsed.cursor == "s=1;i=2")
    }

    @Test(arguments: ["", "{", "[1,2]", #"{"MESSAGE":{"a":1}}"#, "null"])
    func notAnEntry(line: String) {
        #expect(JournalEntry.parse(Array(line.utf8)) == nil)
    }

    @Test func journalctlIsAskedForSSHDsExecutablesOnly() {
        let follower = JournalFollower(directory: "/j", trust: SSHDJournalTrust(executables: ["/usr/sbin/sshd"]))
        #expect(follower.arguments(after: nil).suffix(2) == ["_EXE=/usr/sbin/sshd", "_EXE=/usr/sbin/sshd (deleted)"])
        #expect(follower.arguments(after: "s=1").contains("--after-cursor=s=1"))
        #expect(follower.arguments(after: nil).contains("--directory=/j"))
    }

    @Test func aMissingJournalctlEndsTheSource() {
        let follower = JournalFollower(journalctl: "/nonexistent/journalctl")
        #expect(throws: DetectionError.self) { try follower.run({ _, _ in }) }
    }

    @Test func aDirectoryThatIsNoJournalEndsTheSource() throws {
        let follower = JournalFollower(directory: "/nonexistent-journal-\(getpid())")
        #expect(throws: DetectionError.self) { try follower.run({ _, _ in }) }
    }
}

/// The live journal source against a real journald and a real sshd, in namespaces the test creates.
@Suite(.serialized) struct JournalNamespaceTests {
    let audit = RecordingAudit()

    @Test(.requiresRoot) func onlySSHDsOwnEntriesCount() throws {
        let lab = try IDSLab()
        defer { lab.close() }
        let journal = try JournalLab(lab: lab)
        var policy = IDSPolicy.defaults()
        policy.bruteForce = RateThreshold(
            count: JournalLab.forgeries, window: .seconds(60), blockFor: .seconds(600))
        let ids = NetworkIDS(
            policy: policy, blocker: NamespaceSetBlocker(namespace: lab.targetNamespace), audit: audit.sink,
            clock: SystemClock())
        let follower = JournalFollower(directory: journal.journal)
        let sources = IDSSources(ids: ids, nflog: nil, tail: nil, journal: follower)
        defer { sources.stop() }
        Thread.sleep(forTimeInterval: 1)

        try journal.forgeAndStartSSHD()
        let forged = try journal.forgedEntries()
        #expect(forged.count >= 3 * JournalLab.forgeries, "the forgeries are in the journal")
        #expect(
            !forged.contains { ($0["_EXE"] as? String) == "/usr/sbin/sshd" },
            "journald drops the trusted fields a client sets")
        #expect(forged.contains { ($0["_COMM"] as? String) == "sshd" }, "a renamed process is recorded as sshd")
        Thread.sleep(forTimeInterval: 1)
        #expect(ids.statistics.lines.failures == 0, "no forged line was counted")
        #expect(try !lab.isBlocked(JournalLab.forgedSource))

        for _ in 0..<JournalLab.forgeries { try lab.guessPassword(from: "10.77.0.11") }
        #expect(
            try eventually(30) { try lab.isBlocked("10.77.0.11") },
            "sshd's own failures block the guesser: \(journal.entries(mentioning: "10.77.0.11")) \(follower.statistics) \(ids.statistics) \(audit.entries.map { $0.details })"
        )
        #expect(follower.statistics.messages >= JournalLab.forgeries)
        #expect(try !lab.isBlocked(JournalLab.forgedSource))
        #expect(sources.errors.isEmpty)
    }
}
