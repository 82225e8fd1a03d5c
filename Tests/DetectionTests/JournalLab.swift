import Foundation

/// A real systemd-journald and a real sshd logging to it (sshd in an ``IDSLab``'s target network namespace), in a
/// private mount and PID namespace (so nothing of the host's `/run`, `/dev` or journal is touched) whose journal
/// files land in the lab's directory, where the test's journalctl reads them. journald needs the cgroup hierarchy
/// it finds in the host's mount table (a network namespace's fresh `/sys` has none), so the namespace is made from
/// the test's own and only sshd enters the target's network. Before sshd starts, local processes forge sshd
/// lines the ways any local user can. Everything ends with the lab (one pid: the namespace's init dies, and the
/// kernel ends the rest of its PID namespace).
struct JournalLab {
    let lab: IDSLab
    /// The journal directory (journald's runtime journal, `/run/log/journal` inside).
    var journal: String { lab.directory + "/log/journal" }
    /// The source every forged line names.
    static let forgedSource = "10.77.0.14"
    static let forgedLine = "Failed password for root from \(forgedSource) port 4242 ssh2"
    /// Forgeries of each kind (the brute-force threshold in the test is this many).
    static let forgeries = 5

    /// Starts journald; sshd starts (after the forgeries) on ``forgeAndStartSSHD()``.
    init(lab: IDSLab) throws {
        self.lab = lab
        try lab.writeSSHDConfig()
        try FileManager.default.createDirectory(atPath: lab.directory + "/log", withIntermediateDirectories: true)
        let script = lab.directory + "/journal-lab.sh"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        try lab.start(
            [
                "unshare", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc", "--propagation", "private",
                "bash",
                script, lab.directory, lab.namespacePath,
            ], hostNamespaces: true)
        guard eventually(10, { FileManager.default.fileExists(atPath: lab.directory + "/ready") }) else {
            throw TestFailure("journald did not start in the lab: \(log)")
        }
    }

    /// The lab script's trace.
    var log: String { (try? String(contentsOfFile: lab.directory + "/lab.log", encoding: .utf8)) ?? "" }

    /// Runs the forgers, then sshd; returns when sshd accepts connections.
    func forgeAndStartSSHD() throws {
        FileManager.default.createFile(atPath: lab.directory + "/go", contents: nil)
        guard eventually(15, { FileManager.default.fileExists(atPath: lab.directory + "/forged") }) else {
            throw TestFailure("the forgers did not finish: \(log)")
        }
        guard try eventually(15, { try lab.connects(from: "10.77.0.13", port: 22) }) else {
            throw TestFailure("sshd did not start in the journal lab")
        }
    }

    /// Every entry in the journal that mentions `text` (for a failure's explanation).
    func entries(mentioning text: String) -> String {
        let output =
            (try? lab.run(["journalctl", "--directory=\(journal)", "--output=json", "--no-pager"]).output) ?? ""
        return output.split(separator: "\n").filter { $0.contains(text) }.joined(separator: "\n")
    }

    /// The entries in the journal whose message is the forged line (read with journalctl, all fields).
    func forgedEntries() throws -> [[String: Any]] {
        let output = try lab.run(["journalctl", "--directory=\(journal)", "--output=json", "--no-pager"]).output
        return output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { ($0["MESSAGE"] as? String) == Self.forgedLine }
    }

    /// Inside the namespaces: a tmpfs `/run` (the lab's `log` directory as `/run/log`), a `/dev` whose `log` is
    /// journald's syslog socket, journald; then, when the test says go, the forgers — as nobody: `logger -t sshd`
    /// (syslog), a native-protocol entry from a process named `sshd` that sets `_EXE`, `_UID`, `_COMM` and
    /// `_SYSTEMD_UNIT` itself; as root: `logger -t sshd` — and sshd.
    static let script = #"""
        set -eu
        D="$1"
        exec 2>"$D/lab.log" 3<"$2"
        set -x
        LINE="Failed password for root from 10.77.0.14 port 4242 ssh2"
        mount -t tmpfs -o mode=0755 tmpfs /run
        mkdir -p /run/systemd/journal /run/sshd /run/log
        mount --bind "$D/log" /run/log
        if [ -d /var/log/journal ]; then mount -t tmpfs tmpfs /var/log/journal; fi
        mkdir -p "$D/dev"
        mount -t tmpfs -o mode=0755 tmpfs "$D/dev"
        for n in null zero random urandom; do touch "$D/dev/$n"; mount --bind "/dev/$n" "$D/dev/$n"; done
        ln -s /run/systemd/journal/dev-log "$D/dev/log"
        mount --bind "$D/dev" /dev
        /lib/systemd/systemd-journald &
        for i in $(seq 200); do [ -S /run/systemd/journal/dev-log ] && break; sleep 0.05; done
        touch "$D/ready"
        while [ ! -e "$D/go" ]; do sleep 0.05; done
        AS_NOBODY="setpriv --reuid 65534 --regid 65534 --clear-groups"
        for i in 1 2 3 4 5; do
          $AS_NOBODY logger -t sshd -p auth.info "$LINE"
          logger -t sshd -p auth.info "$LINE"
        done
        $AS_NOBODY /usr/bin/python3 -c '
        import ctypes, socket, sys, time
        ctypes.CDLL(None).prctl(15, b"sshd", 0, 0, 0)
        entry = ("MESSAGE=" + sys.argv[1] + "\nSYSLOG_IDENTIFIER=sshd\nPRIORITY=6\n_EXE=/usr/sbin/sshd\n_UID=0\n"
                 "_COMM=sshd\n_SYSTEMD_UNIT=ssh.service\n").encode()
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        for _ in range(5):
            s.sendto(entry, "/run/systemd/journal/socket")
        time.sleep(1)
        ' "$LINE"
        touch "$D/forged"
        exec nsenter --net=/proc/self/fd/3 /usr/sbin/sshd -D -f "$D/sshd_config"
        """#
}
