import Detection
import Policy

/// Feeds arbitrary bytes as one datagram from the proc connector (`ProcEvent.parse`), every event it yields to a
/// session tracker and to the host IDS's process rules whose `/proc` is a fixed table, the same bytes as a
/// `/proc/PID/cmdline` (`BoundedArgv`), as `/proc/modules` text (`ModuleList`), and as a datagram from the audit
/// system and one seccomp record's text (`AuditLogReader.seccompRecords`, `SeccompRecord`).
/// Properties checked: no crash; the argv bounds hold and no escaped argument, module name or record field carries
/// a control character.
public func fuzzProcEvents(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var tracker = HumanSessionTracker(keys: OperatorKeys([]), source: FixedProcesses())
    var rules = ProcessRules(
        policy: ProcessWatchPolicy(longRunningAfter: .seconds(1), trackedProcesses: 1024),
        agents: AgentDirectory(cgroupParent: "aios", uids: [61001: "a"]) { _ in ["/bin/sh"] },
        inspector: FixedProcesses())
    for event in ProcEvent.parse(bytes[...]) {
        _ = tracker.observe(event, now: .seconds(1))
        _ = rules.observe(event, now: .seconds(1))
    }
    _ = rules.expire(now: .seconds(5))
    _ = rules.sweep(now: .seconds(5))
    for name in ModuleList(text: bytes).modules.keys { checkPrintable(name, "module name") }
    for record in AuditLogReader.seccompRecords(bytes[...]) + [SeccompRecord(text: bytes)].compactMap({ $0 }) {
        checkPrintable(record.command, "comm")
        checkPrintable(record.executable, "exe")
        _ = record.moduleCall
    }
    let argv = BoundedArgv(cmdline: bytes[...])
    guard argv.arguments.count <= BoundedArgv.maximumArguments else { fatalError("too many arguments kept") }
    for argument in argv.arguments {
        checkPrintable(argument, "argument")
        guard argument.utf8.count <= 4 * BoundedArgv.maximumArgumentBytes + 16 else { fatalError("argument too long") }
    }
    return 0
}

func checkPrintable(_ text: String, _ what: String) {
    guard
        text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value) })
    else { fatalError("a control character survived escaping in a \(what): \(text.debugDescription)") }
}

/// Every even pid is in session 7 (child of pid - 2), every odd one is no login's; for the host IDS, pids below
/// 1000 run in an agent's cgroup, every third runs a deleted setuid program.
struct FixedProcesses: ProcessSource, ProcessInspector {
    func facts(of pid: Int32) -> ProcessFacts? {
        guard pid > 0 else { return nil }
        return ProcessFacts(
            pid: pid, parent: pid - 1, realUID: pid % 2 == 0 ? 61001 : 0, effectiveUID: 0,
            cgroups: [pid < 1000 ? "0::/aios/agent-a-1-0a0b0c0d" : "0::/"],
            argv: BoundedArgv(cmdline: Array("sh\0-c\0x\0".utf8)[...]), executable: "/bin/x",
            file: ExecutableFile(deleted: pid % 3 == 0, setuid: pid % 3 == 0))
    }

    func pids() -> [Int32] { [1, 2, 3, 999, 1000, 1001] }

    func mayRunDeletedFile(_ pid: Int32) -> Bool { pid % 3 == 0 }

    func identity(of pid: Int32) -> ProcessSnapshot? {
        guard pid > 0 else { return nil }
        return pid % 2 == 0
            ? ProcessSnapshot(loginUID: 0, sessionID: 7, parent: pid - 2, uid: 0)
            : ProcessSnapshot(loginUID: ProcessSnapshot.unset, sessionID: ProcessSnapshot.unset, parent: 1, uid: 0)
    }

    func details(of pid: Int32, identity: ProcessSnapshot) -> ProcessSnapshot {
        var snapshot = identity
        snapshot.argv = BoundedArgv(cmdline: Array("sh\0-c\0x\0".utf8)[...])
        return snapshot
    }
}
