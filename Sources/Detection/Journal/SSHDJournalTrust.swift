/// Which journal entries are sshd's own, judged only by the fields journald itself adds from the kernel's view of
/// the sender (a client cannot set a field whose name starts with `_`):
///
/// - `_EXE`, the sender's executable (`/proc/PID/exe`), must be one of sshd's programs. Only sshd's code runs
///   there; an unprivileged process can exec sshd but then speaks only sshd's own lines about connections made to
///   it.
/// - `_UID` must be 0: sshd's monitor, which logs authentication results, runs as root.
///
/// Not used: `SYSLOG_IDENTIFIER` and `_COMM`, which any process sets (the syslog tag, `prctl(PR_SET_NAME)`), and
/// `_SYSTEMD_UNIT` alone: without `pam_systemd`, a user's login shell stays in `ssh.service`'s cgroup. An entry
/// whose sender exited before journald read its `/proc` has no `_EXE` and does not count.
public struct SSHDJournalTrust: Sendable, Hashable {
    /// sshd's programs: the listener, and OpenSSH 9.8's per-connection `sshd-session` (Debian's and others' paths).
    public static let defaultExecutables = [
        "/usr/sbin/sshd", "/usr/lib/openssh/sshd-session", "/usr/libexec/openssh/sshd-session",
        "/usr/sbin/sshd-session",
    ]

    public let executables: Set<String>

    public init(executables: [String] = Self.defaultExecutables) {
        self.executables = Set(executables)
    }

    /// journalctl matches that select the candidates (ORed): each executable, also as the kernel names it after the
    /// file was replaced by an upgrade (`PATH (deleted)`). The entries are checked again by ``message(of:)``.
    public var matches: [String] {
        executables.sorted().flatMap { ["_EXE=\($0)", "_EXE=\($0) (deleted)"] }
    }

    /// The message and the sender's pid of an entry sshd wrote, nil for anyone else's.
    public func message(of entry: JournalEntry) -> (message: [UInt8], pid: Int32?)? {
        guard entry["_UID"].text == "0", var executable = entry["_EXE"].text else { return nil }
        if executable.hasSuffix(" (deleted)") { executable.removeLast(" (deleted)".count) }
        guard executables.contains(executable), let message = entry["MESSAGE"].bytes else { return nil }
        return (message, entry["_PID"].text.flatMap { Int32($0) })
    }
}
