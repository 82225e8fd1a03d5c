/// The names and paths the features classify by — the same lists as features.py.
enum FeatureVocabulary {
    /// The first events of a window looked at, and the members any set of distinct values holds: a flood costs
    /// bounded work and memory, and saturates the counts rather than the daemon.
    static let maximumEvents = 20_000
    static let maximumDistinct = 1024

    /// Outbound service ports that are the agents' ordinary work (SSH, DNS, HTTP, NTP, HTTPS, metrics).
    static let commonPortsOut: [Double] = [22, 53, 80, 123, 443, 9090]
    static let shells = ["sh", "bash", "dash", "zsh", "ash", "ksh", "busybox"]
    static let networkTools = [
        "curl", "wget", "nc", "ncat", "netcat", "socat", "ssh", "scp", "sftp", "rsync", "ftp", "tftp",
    ]
    static let privilegeTools = [
        "sudo", "su", "pkexec", "doas", "setcap", "chown", "chmod", "insmod", "modprobe", "rmmod", "crontab",
    ]
    static let minerWords: [[UInt8]] = [
        "xmrig", "minerd", "cpuminer", "kdevtmpfsi", "kinsing", "stratum+tcp", "cryptonight",
    ].map { Array($0.utf8) }
    static let temporaryPrefixes = ["/tmp/", "/var/tmp/", "/dev/shm/"]
    /// What the FIM's privilege-escalation rule names (a copy, not a reference: the model was trained on this list):
    /// accounts, sudo, PAM, sshd, cron, systemd units, the loader's preload list.
    static let sensitivePaths = [
        "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d", "/etc/pam.d",
        "/etc/pam.conf", "/etc/security", "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d", "/etc/crontab",
        "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
        "/var/spool/cron", "/etc/systemd/system", "/etc/systemd/user", "/usr/lib/systemd/system",
        "/usr/local/lib/systemd/system", "/etc/ld.so.preload",
    ]
    static let persistencePaths = [
        "/etc/crontab", "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
        "/var/spool/cron", "/etc/systemd/system", "/etc/systemd/user", "/usr/lib/systemd/system",
        "/usr/local/lib/systemd/system", "/etc/ld.so.preload", "/etc/rc.local", "/etc/profile.d",
    ]
    static let systemBinaryPrefixes = [
        "/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/lib/", "/usr/local/bin/",
    ]
    static let processAlerts = [
        "ids.unexpected_exec", "ids.deleted_executable", "ids.noexec_executable", "ids.unmanaged_process",
    ]
    static let privilegeAlerts = [
        "ids.uid_zero", "ids.gid_zero", "ids.privileged_exec", "fim.privileged_file", "fim.privilege_escalation",
    ]
    static let moduleAlerts = ["ids.module_loaded", "ids.module_unloaded", "ids.module_load_refused"]
    static let authAlerts = ["ids.brute_force", "ids.auth_failures"]
    static let scanAlerts = ["ids.port_scan", "ids.unexpected_port"]

    static func contains<A: Collection<UInt8>>(_ list: [String], _ text: A) -> Bool {
        list.contains { FeatureText.equal(text, $0) }
    }
}
