import Audit
import Foundation
import Policy
import SecurityTesting
import Synchronization
import Testing

@testable import Detection

/// The SSH emergency console end to end: sshd configured from the policy, a key login from the management subnet,
/// its commands in the recorder's drafts, and what must be refused.
@Suite(.serialized) struct ConsoleLabTests {
    static let sleeping = JSONValue.array([.string("sleep"), .string("0.5")])

    @Test(.requiresRoot("network namespaces, sshd, journald, the proc connector"))
    func anOperatorsCommandsAreRecordedAndOtherLoginsRefused() throws {
        let lab = try ConsoleLab()
        defer { lab.close() }
        let config = try lab.console
        try lab.installer.install(config, banner: ConsoleBanner(state: .init(mode: "autonomous")).render())
        try lab.startJournal()

        let drafts = Mutex<[AuditDraft]>([])
        let recorder = HumanSessionRecorder(
            operators: lab.policy.emergency.operators, connector: try ProcConnector(),
            journal: JournalFollower(directory: lab.journal, interval: .milliseconds(200)),
            audit: { batch in drafts.withLock { $0 += batch } })
        recorder.start()
        defer { recorder.stop() }
        Thread.sleep(forTimeInterval: 0.5)
        try lab.forgeAndStartSSHD()

        let marker = lab.lab.directory + "/written-by-operator"
        // The command line also carries a newline and a terminal control (clear screen), which must be escaped.
        // `sleep 0.5` lives long enough for its argv to be read on a loaded machine (a program as quick as `id` may end
        // first: it is then recorded with `argv_unknown`, which the benchmark counts).
        let session = try lab.ssh(from: "10.77.0.1", "id; sleep 0.5; echo hi > \(marker)\n: \u{1B}[2J")
        #expect(session.status == 0, "the operator's key login works: \(session.output) \(lab.log)")
        #expect(session.output.contains("uid=0(root)"))
        #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "hi\n")

        func commands() -> [AuditDraft] { drafts.withLock { $0 }.filter { $0.eventType == .humanCommand } }
        func logins() -> [AuditDraft] { drafts.withLock { $0 }.filter { $0.action == "ssh.login" } }
        let recorded = eventually(10) {
            commands().contains { detail($0, "argv") == Self.sleeping } && logins().count == 1
                && drafts.withLock { $0 }.contains { $0.action == "session.end" }
        }
        #expect(
            recorded,
            "\(drafts.withLock { $0 }.map { "\($0.action) \($0.target) \($0.details)" }) \(recorder.statistics) \(recorder.errors)"
        )
        let login = try #require(logins().first)
        #expect(detail(login, "operator") == .string("alice"))
        #expect(detail(login, "source") == .string("10.77.0.1"))
        #expect(
            detail(login, "key_fingerprint")
                == .string(OperatorKeys.fingerprint(of: lab.policy.emergency.operators[0].sshKeys[0])))
        let sleeper = try #require(commands().first { detail($0, "argv") == Self.sleeping })
        #expect(sleeper.target == login.target, "the command is in the login's session")
        #expect(
            commands().contains {
                detail($0, "argv")
                    == .array([
                        .string("bash"), .string("-c"), .string("id; sleep 0.5; echo hi > \(marker)\\n: \\x1b[2J"),
                    ])
            }, "the shell sshd ran, with the command line as typed")
        #expect(detail(sleeper, "uid") == .integer(0))

        let password = try lab.ssh(from: "10.77.0.1", "id", password: true)
        #expect(password.status != 0, "a password login is refused: \(password.output)")
        let outside = try lab.ssh(from: "10.77.0.11", "id")
        #expect(outside.status != 0, "a key login from outside the management subnet is refused: \(outside.output)")
        Thread.sleep(forTimeInterval: 1)
        #expect(logins().count == 1, "the forged and the refused logins are not logins: \(logins().map(\.details))")
        #expect(!drafts.withLock { $0 }.contains { "\($0.details)".contains(ConsoleLab.forgedSource) })
        // Other tests' sessions may be live (the recorder sees the whole machine): this one must not be.
        #expect(
            !recorder.current().contains { "session/\($0.sessionID)" == login.target },
            "the session ended with sshd's process")
        #expect(recorder.errors.isEmpty)

        // A policy change: the management subnet moves to 10.77.0.8/29. Applied and reloaded, sshd follows it.
        let moved = try SSHConsoleConfig(
            emergency: lab.policy.emergency, management: [try #require(IPPrefix("10.77.0.8/29"))],
            authorizedKeysPath: config.authorizedKeysPath, bannerPath: config.bannerPath)
        try lab.installer.install(moved, banner: "moved\n")
        try lab.installer.reload()
        #expect(
            try eventually(10) { try lab.ssh(from: "10.77.0.11", "true").status == 0 },
            "after the reload, the new subnet's operator gets in")
        #expect(try lab.ssh(from: "10.77.0.1", "true").status != 0, "and the old subnet is refused")
    }
}
