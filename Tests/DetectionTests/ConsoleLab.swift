import Foundation
import Policy

@testable import Detection

/// The SSH console for real: an ``IDSLab`` (operator side `a` with 10.77.0.1 inside the management subnet
/// 10.77.0.0/29 and 10.77.0.11 outside it; target `t`), a real systemd-journald and OpenSSH's sshd configured by
/// ``SSHConsoleInstaller`` from a policy whose operator `alice` holds a key made for the test.
///
/// journald and sshd run in a private mount namespace (their own `/run`, `/dev` and journal in the lab's
/// directory) but in the test's PID namespace, so the journal's `_PID` and the proc connector's pids are the same
/// numbers; sshd enters the target's network namespace. Their pids are written to files and they are ended by pid.
/// sshd's configuration lives below `/var/lib`, not `/tmp`: sshd's StrictModes refuses a keys file below a
/// world-writable directory.
final class ConsoleLab {
    let lab: IDSLab
    let etc: String
    let key: String
    let policy: SecurityPolicy
    static let port = 2222

    var journal: String { lab.directory + "/log/journal" }
    var installer: SSHConsoleInstaller {
        SSHConsoleInstaller(configDirectory: etc + "/sshd_config.d", mainConfig: etc + "/sshd_config")
    }
    var console: SSHConsoleConfig {
        get throws {
            try SSHConsoleConfig(
                policy: policy, authorizedKeysPath: etc + "/authorized_keys", bannerPath: etc + "/banner")
        }
    }

    init() throws {
        lab = try IDSLab(ownTable: false)
        etc = "/var/lib/" + URL(fileURLWithPath: lab.directory).lastPathComponent
        key = lab.directory + "/alice"
        do {
            try FileManager.default.createDirectory(
                atPath: etc + "/sshd_config.d", withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o755])
            try lab.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", key])
            try lab.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", lab.directory + "/hostkey"])
            let publicKey = try String(contentsOfFile: key + ".pub", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            policy = try SecurityPolicy.parse(
                yaml: """
                    worker:
                      capabilities: []
                    firewall:
                      management: [10.77.0.0/29]
                    emergency:
                      ssh_port: \(Self.port)
                      operators:
                        alice:
                          ssh_keys: ["\(publicKey)"]
                    """, file: "console.yaml")
            try """
            Include \(etc)/sshd_config.d/*.conf
            ListenAddress \(IDSLab.target)
            HostKey \(lab.directory)/hostkey
            PidFile \(lab.directory)/sshd.pid
            MaxStartups 100

            """.write(toFile: etc + "/sshd_config", atomically: true, encoding: .utf8)
        } catch {
            lab.close()
            try? FileManager.default.removeItem(atPath: etc)
            throw error
        }
    }

    /// The lab script's trace.
    var log: String { (try? String(contentsOfFile: lab.directory + "/lab.log", encoding: .utf8)) ?? "" }

    /// Starts journald; ``forgeAndStartSSHD()`` does the rest.
    func startJournal() throws {
        try FileManager.default.createDirectory(atPath: lab.directory + "/log", withIntermediateDirectories: true)
        let script = lab.directory + "/console-lab.sh"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        try lab.start(
            [
                "unshare", "--mount", "--propagation", "private", "bash", script, lab.directory, lab.namespacePath,
                etc + "/sshd_config", Self.forgedLine,
            ], hostNamespaces: true)
        guard eventually(10, { FileManager.default.fileExists(atPath: lab.directory + "/ready") }) else {
            throw TestFailure("journald did not start in the console lab: \(log)")
        }
    }

    /// Forges sshd login lines the ways a local process can, then starts sshd; returns when sshd accepts
    /// connections.
    func forgeAndStartSSHD() throws {
        FileManager.default.createFile(atPath: lab.directory + "/go", contents: nil)
        guard try eventually(15, { try lab.connects(from: "10.77.0.1", port: Self.port) }) else {
            throw TestFailure("sshd did not start in the console lab: \(log)")
        }
    }

    static let forgedSource = "10.77.0.5"
    static let forgedLine = "Accepted publickey for root from \(forgedSource) port 4242 ssh2: ED25519 SHA256:forged"

    /// Runs `command` over ssh as root from `source` with alice's key (or, `password`, with a password only).
    func ssh(from source: String, _ command: String, password: Bool = false) throws -> (status: Int32, output: String) {
        let options = [
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=5",
            "-o", "LogLevel=ERROR", "-p", String(Self.port), "-b", source,
        ]
        let authentication =
            password
            ? [
                "sshpass", "-p", "root", "ssh", "-o", "PreferredAuthentications=password,keyboard-interactive",
                "-o", "PubkeyAuthentication=no",
            ]
            : ["ssh", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", key]
        return try lab.exec(lab.attacker, authentication + options + ["root@" + IDSLab.target, command])
    }

    /// Ends journald and sshd (by the pids the script wrote), then the lab, and removes the configuration.
    func close() {
        for name in ["sshd.lab-pid", "journald.pid"] {
            guard let text = try? String(contentsOfFile: lab.directory + "/" + name, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1
            else { continue }
            kill(pid, SIGKILL)
        }
        lab.close()
        try? FileManager.default.removeItem(atPath: etc)
    }

    deinit { close() }

    /// A tmpfs `/run` and `/dev` (with journald's `/dev/log`), journald; when the test says go, two forged sshd lines (`logger -t sshd`
    /// as nobody and as root), then sshd in the target's network namespace.
    static let script = #"""
        set -eu
        D="$1"; CONFIG="$3"; FORGED="$4"
        exec 2>"$D/lab.log" 3<"$2"
        set -x
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
        echo $! > "$D/journald.pid"
        for i in $(seq 200); do [ -S /run/systemd/journal/dev-log ] && break; sleep 0.05; done
        touch "$D/ready"
        while [ ! -e "$D/go" ]; do sleep 0.05; done
        setpriv --reuid 65534 --regid 65534 --clear-groups logger -t sshd -p auth.info "$FORGED"
        logger -t sshd -p auth.info "$FORGED"
        nsenter --net=/proc/self/fd/3 /usr/sbin/sshd -D -f "$CONFIG" &
        echo $! > "$D/sshd.lab-pid"
        wait
        """#
}
