import Audit

#if canImport(Glibc)
import Glibc
#endif

/// `kernel.modules_disabled`: once 1, no module can be loaded or removed until the next boot — the kernel refuses
/// to set it back to 0. The path is injectable so that tests never touch the machine's own switch.
public struct ModuleLock: Sendable {
    public enum State: Equatable, Sendable {
        /// It was 0 and is now 1.
        case engaged
        /// It was 1 already.
        case alreadyEngaged
        /// The kernel has no module support (the file is absent): nothing can be loaded anyway.
        case noModuleSupport
    }

    public let path: String

    public init(path: String = "/proc/sys/kernel/modules_disabled") { self.path = path }

    /// Sets the switch to 1 (one-way on a real kernel).
    public func engage() throws(DetectionError) -> State {
        guard let current = ProcFileSystem.read(path, limit: 16) else {
            if errno == ENOENT { return .noModuleSupport }
            throw DetectionError.system("read \(path)", errno)
        }
        if current.first == UInt8(ascii: "1") { return .alreadyEngaged }
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_TRUNC)
        guard fd >= 0 else { throw DetectionError.system("open \(path)", errno) }
        defer { close(fd) }
        let written = write(fd, "1\n", 2)
        guard written == 2 else { throw DetectionError.system("write \(path)", errno) }
        return .engaged
    }
}

extension ModuleLock {
    /// The ledger entry of an engagement (`policy_change`, action `kernel.modules_disabled`).
    public static func draft(_ state: State) -> AuditDraft {
        let text: String =
            switch state {
            case .engaged: "kernel.modules_disabled set to 1: no module can be loaded or removed until reboot"
            case .alreadyEngaged: "kernel.modules_disabled was already 1"
            case .noModuleSupport: "the kernel has no module support: no module can be loaded"
            }
        return AuditDraft(
            eventType: .policyChange, agent: "aios-sec", action: "kernel.modules_disabled", target: "kernel",
            result: .success, riskLevel: .medium, details: .object([("state", .string(text))]))
    }
}
