import Detection

/// Feeds arbitrary bytes as one datagram from the proc connector (`ProcEvent.parse`), every event it yields to a
/// session tracker whose `/proc` is a fixed table, and the same bytes as a `/proc/PID/cmdline` (`BoundedArgv`).
/// Properties checked: no crash; the argv bounds hold and no
/// escaped argument carries a control character.
public func fuzzProcEvents(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var tracker = HumanSessionTracker(keys: OperatorKeys([]), source: FixedProcesses())
    for event in ProcEvent.parse(bytes[...]) {
        _ = tracker.observe(event, now: .seconds(1))
    }
    let argv = BoundedArgv(cmdline: bytes[...])
    guard argv.arguments.count <= BoundedArgv.maximumArguments else { fatalError("too many arguments kept") }
    for argument in argv.arguments {
        guard
            argument.unicodeScalars.allSatisfy({
                $0.value >= 0x20 && $0.value != 0x7F && !(0x80...0x9F).contains($0.value)
            })
        else { fatalError("a control character survived escaping: \(argument.debugDescription)") }
        guard argument.utf8.count <= 4 * BoundedArgv.maximumArgumentBytes + 16 else { fatalError("argument too long") }
    }
    return 0
}

/// Every even pid is in session 7 (child of pid - 2), every odd one is no login's.
struct FixedProcesses: ProcessSource {
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
