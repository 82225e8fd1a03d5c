import Audit
import Capabilities
import Policy
import Synchronization
import Testing

@testable import Detection

/// A `/proc` the test writes: pid → identity (and argv, cwd); a pid that is absent has exited.
final class FakeProcesses: ProcessSource, Sendable {
    private let table = Mutex<[Int32: ProcessSnapshot]>([:])

    func set(_ pid: Int32, login: UInt32 = 0, session: UInt32, parent: Int32, argv: [String]? = nil, cwd: String = "/")
    {
        let bytes: [UInt8]? = argv.map { arguments in arguments.flatMap { Array($0.utf8) + [UInt8(0)] } }
        table.withLock {
            $0[pid] = ProcessSnapshot(
                loginUID: login, sessionID: session, parent: parent, uid: 0, cwd: cwd,
                argv: bytes.map { BoundedArgv(cmdline: $0[...]) })
        }
    }

    func remove(_ pid: Int32) { _ = table.withLock { $0.removeValue(forKey: pid) } }

    func identity(of pid: Int32) -> ProcessSnapshot? {
        table.withLock { $0[pid] }.map {
            ProcessSnapshot(loginUID: $0.loginUID, sessionID: $0.sessionID, parent: $0.parent, uid: $0.uid)
        }
    }

    func details(of pid: Int32, identity: ProcessSnapshot) -> ProcessSnapshot {
        var snapshot = identity
        if let full = table.withLock({ $0[pid] }) {
            snapshot.argv = full.argv
            snapshot.cwd = full.cwd
        }
        return snapshot
    }
}

let aliceKey = try! SSHPublicKey(
    parsing: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGzoRhVVynYLL3DqemKFfsDlip6dX8br7rNhLJPD6Dk/ alice")
let aliceFingerprint = "SHA256:8yTyYeq6NiTkgZ3kvgPyJcLAndWaSfI8r79CDGwxIzM"

func event(_ kind: ProcEvent.Kind) -> ProcEvent { ProcEvent(kind: kind, cpu: 0, sequence: 0) }

func detail(_ draft: AuditDraft, _ key: String) -> JSONValue? {
    guard case .object(let members) = draft.details else { return nil }
    return members.first { $0.key == key }?.value
}

/// sshd's `Accepted` line as the journal gives it, parsed.
func acceptedLogin(pid: Int32, fingerprint: String = aliceFingerprint, source: String = "10.77.0.1") -> SSHDEvent {
    var line = "Accepted publickey for root from \(source) port 5555 ssh2: ED25519 \(fingerprint)"
    let result = line.withUTF8 { AuthLogParser.message($0, pid: pid, time: .seconds(100)) }
    guard case .event(let event) = result else { fatalError("not parsed") }
    return event
}

@Suite struct HumanSessionTrackerTests {
    let processes = FakeProcesses()
    let now = Timestamp.seconds(100)

    func tracker() -> HumanSessionTracker {
        HumanSessionTracker(
            keys: OperatorKeys([EmergencyPolicy.Operator(name: "alice", sshKeys: [aliceKey])]), source: processes)
    }

    /// sshd (pid 100, session 7) runs `bash -c 'id'`: bash (101) then id (102, forked by bash).
    func sshSession() {
        processes.set(1, login: ProcessSnapshot.unset, session: ProcessSnapshot.unset, parent: 0)
        processes.set(50, login: ProcessSnapshot.unset, session: ProcessSnapshot.unset, parent: 1)
        processes.set(100, session: 7, parent: 50)
        processes.set(101, session: 7, parent: 100, argv: ["bash", "-c", "id"])
    }

    @Test func aSessionsCommandsAreRecordedWithTheOperatorOnceTheLoginIsKnown() {
        var tracker = tracker()
        sshSession()
        let start = tracker.observe(event(.exec(process: 101)), now: now)
        #expect(start.map(\.action) == ["session.start", "exec"])
        #expect(detail(start[0], "leader_pid") == .integer(100))
        #expect(detail(start[1], "argv") == .array([.string("bash"), .string("-c"), .string("id")]))
        #expect(start[1].target == "session/7")
        let login = tracker.observe(acceptedLogin(pid: 100), now: now)
        #expect(login.map(\.action) == ["ssh.login"])
        #expect(detail(login[0], "operator") == .string("alice"))
        #expect(detail(login[0], "session_id") == .integer(7))
        _ = tracker.observe(event(.fork(parent: 101, child: 102)), now: now)
        processes.set(102, session: 7, parent: 101, argv: ["id"])
        let command = tracker.observe(event(.exec(process: 102)), now: now)
        #expect(detail(command[0], "operator") == .string("alice"))
        #expect(tracker.sessions[7]?.who == "alice")
        #expect(tracker.sessions[7]?.commands == 2)
        let end = tracker.observe(event(.exit(process: 100)), now: now)
        #expect(end.map(\.action) == ["session.end"])
        #expect(detail(end[0], "commands") == .integer(2))
        #expect(tracker.sessions.isEmpty)
    }

    /// The login line read before the session's first process: bound when that process shows sshd as its leader.
    @Test func aLoginReadBeforeTheSessionIsBoundToIt() {
        var tracker = tracker()
        processes.set(100, login: ProcessSnapshot.unset, session: ProcessSnapshot.unset, parent: 50)
        let login = tracker.observe(acceptedLogin(pid: 100), now: now)
        #expect(detail(login[0], "session_id") == nil)
        sshSession()
        let start = tracker.observe(event(.exec(process: 101)), now: now)
        #expect(detail(start[0], "operator") == .string("alice"))
        #expect(detail(start[1], "operator") == .string("alice"))
    }

    /// A program that exec'd and exited before `/proc` was read: recorded, in the session its parent forked it in,
    /// with its argv unknown.
    @Test func aProcessGoneBeforeItWasReadIsRecordedWithArgvUnknown() {
        var tracker = tracker()
        sshSession()
        _ = tracker.observe(event(.exec(process: 101)), now: now)
        _ = tracker.observe(event(.fork(parent: 101, child: 103)), now: now)
        let drafts = tracker.observe(event(.exec(process: 103)), now: now)
        #expect(drafts.count == 1)
        #expect(drafts[0].target == "session/7")
        #expect(detail(drafts[0], "argv") == .null)
        #expect(detail(drafts[0], "argv_unknown") != nil)
        #expect(tracker.sessions[7]?.unreadCommands == 1)
    }

    /// Root in the session unsets its own loginuid to look like a service: the fork table still names the
    /// session, and the change is recorded.
    @Test func aProcessThatRewritesItsLoginUIDIsStillRecorded() {
        var tracker = tracker()
        sshSession()
        _ = tracker.observe(event(.exec(process: 101)), now: now)
        _ = tracker.observe(event(.fork(parent: 101, child: 104)), now: now)
        processes.set(
            104, login: ProcessSnapshot.unset, session: ProcessSnapshot.unset, parent: 101, argv: ["sh", "-c", "x"])
        let drafts = tracker.observe(event(.exec(process: 104)), now: now)
        #expect(drafts.count == 1)
        #expect(drafts[0].target == "session/7")
        #expect(detail(drafts[0], "identity_changed") != nil)
        #expect(drafts[0].riskLevel == .high)
    }

    @Test func processesOfNoLoginAreIgnored() {
        var tracker = tracker()
        processes.set(200, login: ProcessSnapshot.unset, session: ProcessSnapshot.unset, parent: 1, argv: ["agent"])
        #expect(tracker.observe(event(.exec(process: 200)), now: now).isEmpty)
        _ = tracker.observe(event(.fork(parent: 200, child: 201)), now: now)
        #expect(tracker.observe(event(.exec(process: 201)), now: now).isEmpty)
        #expect(tracker.sessions.isEmpty)
    }

    /// A key that is none of the operators' (a login through another keys file) is recorded as high risk.
    @Test func anUnknownKeyIsRecordedAsHighRisk() {
        var tracker = tracker()
        sshSession()
        let login = tracker.observe(acceptedLogin(pid: 100, fingerprint: "SHA256:other"), now: now)
        #expect(detail(login[0], "operator") == .null)
        #expect(detail(login[0], "key_fingerprint") == .string("SHA256:other"))
        #expect(login[0].riskLevel == .high)
    }

    /// Past the process table's bound, processes are attributed by `/proc` only, and counted.
    @Test func theProcessTableIsBounded() {
        var limits = HumanSessionTracker.Limits()
        limits.processes = 3
        var tracker = HumanSessionTracker(keys: OperatorKeys([]), source: processes, limits: limits)
        sshSession()
        _ = tracker.observe(event(.exec(process: 101)), now: now)
        for child in Int32(300)..<310 { _ = tracker.observe(event(.fork(parent: 101, child: child)), now: now) }
        #expect(tracker.untracked == 9)
    }
}

@Suite struct OperatorKeysTests {
    /// The fingerprint `ssh-keygen -l` prints for the key, and the one sshd logs.
    @Test func fingerprintsMatchOpenSSH() {
        #expect(OperatorKeys.fingerprint(of: aliceKey) == aliceFingerprint)
        let keys = OperatorKeys([EmergencyPolicy.Operator(name: "alice", sshKeys: [aliceKey])])
        #expect(keys.operator(fingerprint: aliceFingerprint) == "alice")
        #expect(keys.operator(fingerprint: "SHA256:x") == nil)
    }
}

@Suite struct HumanSessionLoginFirstTests {
    /// The login line read while sshd's process already is in its session, before any program ran (`ssh -N`, or a
    /// shell still starting): the session begins there, with who it is.
    @Test func aLoginWhoseSSHDIsInASessionBeginsIt() {
        let processes = FakeProcesses()
        var tracker = HumanSessionTracker(
            keys: OperatorKeys([EmergencyPolicy.Operator(name: "alice", sshKeys: [aliceKey])]), source: processes)
        processes.set(100, session: 9, parent: 50)
        let drafts = tracker.observe(acceptedLogin(pid: 100), now: .seconds(1))
        #expect(drafts.map(\.action) == ["ssh.login", "session.start"])
        #expect(tracker.sessions[9]?.who == "alice")
        #expect(tracker.observe(event(.exit(process: 100)), now: .seconds(2)).map(\.action) == ["session.end"])
    }
}
