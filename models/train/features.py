"""The feature vector of a window of host events — the one definition the Swift side (WindowFeatureExtractor)
repeats exactly: same names, same order, same arithmetic (float64, accumulated in event order), same bounds.

Bounded work: at most MAXIMUM_EVENTS events are looked at (the first ones); every set of distinct values holds at
most MAXIMUM_DISTINCT members (later new values are not counted), and so does every per-peer table.
"""

MAXIMUM_EVENTS = 20_000
MAXIMUM_DISTINCT = 1024

NAMES = [
    "events",
    "distinct_agents",
    "failed_results",
    "net_events",
    "net_outbound",
    "net_inbound",
    "net_local",
    "net_distinct_remotes_out",
    "net_distinct_remotes_in",
    "net_distinct_ports_in",
    "net_max_ports_per_peer_in",
    "net_max_connections_per_peer_in",
    "net_ssh_in",
    "net_uncommon_port_out",
    "net_bytes_out",
    "net_max_bytes_out_per_destination",
    "auth_failures",
    "alerts",
    "alerts_high",
    "alerts_brute_force",
    "alerts_port_scan",
    "alerts_process",
    "alerts_privilege",
    "alerts_module",
    "proc_exec",
    "proc_fork",
    "proc_distinct_programs",
    "proc_shell",
    "proc_network_tool",
    "proc_privilege_tool",
    "proc_temporary_location",
    "proc_miner_like",
    "proc_uid_to_root",
    "human_commands",
    "agent_lifecycle",
    "file_changes",
    "file_unauthorized",
    "file_sensitive",
    "file_persistence",
    "file_system_binaries",
    "file_distinct_paths",
]

COMMON_PORTS_OUT = {22, 53, 80, 123, 443, 9090}
SHELLS = {"sh", "bash", "dash", "zsh", "ash", "ksh", "busybox"}
NETWORK_TOOLS = {"curl", "wget", "nc", "ncat", "netcat", "socat", "ssh", "scp", "sftp", "rsync", "ftp", "tftp"}
PRIVILEGE_TOOLS = {"sudo", "su", "pkexec", "doas", "setcap", "chown", "chmod", "insmod", "modprobe", "rmmod", "crontab"}
MINER_WORDS = ["xmrig", "minerd", "cpuminer", "kdevtmpfsi", "kinsing", "stratum+tcp", "cryptonight"]
TEMPORARY_PREFIXES = ["/tmp/", "/var/tmp/", "/dev/shm/"]
# What FileFindings.privilegedPaths names: accounts, sudo, PAM, sshd, cron, systemd units, the loader's preload list.
SENSITIVE_PATHS = [
    "/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow", "/etc/sudoers", "/etc/sudoers.d", "/etc/pam.d",
    "/etc/pam.conf", "/etc/security", "/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d", "/etc/crontab",
    "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
    "/var/spool/cron", "/etc/systemd/system", "/etc/systemd/user", "/usr/lib/systemd/system",
    "/usr/local/lib/systemd/system", "/etc/ld.so.preload",
]  # fmt: skip
PERSISTENCE_PATHS = [
    "/etc/crontab", "/etc/cron.d", "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly",
    "/var/spool/cron", "/etc/systemd/system", "/etc/systemd/user", "/usr/lib/systemd/system",
    "/usr/local/lib/systemd/system", "/etc/ld.so.preload", "/etc/rc.local", "/etc/profile.d",
]  # fmt: skip
SYSTEM_BINARY_PREFIXES = ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/lib/", "/usr/local/bin/"]
PROCESS_ALERTS = {"ids.unexpected_exec", "ids.deleted_executable", "ids.noexec_executable", "ids.unmanaged_process"}
PRIVILEGE_ALERTS = {"ids.uid_zero", "ids.gid_zero", "ids.privileged_exec", "fim.privileged_file", "fim.privilege_escalation"}
MODULE_ALERTS = {"ids.module_loaded", "ids.module_unloaded", "ids.module_load_refused"}
AUTH_ALERTS = {"ids.brute_force", "ids.auth_failures"}
SCAN_ALERTS = {"ids.port_scan", "ids.unexpected_port"}


def within(path, prefix):
    """`path` is `prefix` or beneath it (the FIM's rule)."""
    return path == prefix or path.startswith(prefix + "/")


class BoundedSet:
    def __init__(self):
        self.members = set()

    def add(self, value):
        if len(self.members) < MAXIMUM_DISTINCT:
            self.members.add(value)

    def __len__(self):
        return len(self.members)


def number(value):
    """A JSON number as a float64; anything else (missing, a string, a bool) is None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def text(value):
    return value if isinstance(value, str) else None


ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def ascii_lower(value):
    """Only A-Z change (Unicode case rules differ between languages; the Swift side lowers the same bytes)."""
    return value.translate(ASCII_LOWER)


def basename(path):
    return path.rsplit("/", 1)[-1]


class Extractor:
    def __init__(self):
        self.v = dict.fromkeys(NAMES, 0.0)
        self.agents = BoundedSet()
        self.remotes_out = BoundedSet()
        self.remotes_in = BoundedSet()
        self.ports_in = BoundedSet()
        self.peer_ports = {}  # inbound remote -> BoundedSet of ports
        self.peer_connections = {}  # inbound remote -> count
        self.bytes_by_destination = {}  # outbound remote -> bytes
        self.programs = BoundedSet()
        self.paths = BoundedSet()

    def count(self, name, amount=1.0):
        self.v[name] += amount

    def event(self, event):
        details = event.get("details")
        details = details if isinstance(details, dict) else {}
        event_type = event["eventType"]
        action = event["action"]
        self.count("events")
        self.agents.add(event["agent"])
        if event["result"] in ("failure", "denied", "error"):
            self.count("failed_results")
        if event_type == "network_connection":
            self.network(details)
        elif event_type in ("process", "human_command"):
            self.process(event, details)
        elif event_type in ("agent_spawn", "agent_shutdown"):
            self.count("agent_lifecycle")
        elif event_type == "file_modification":
            self.file(event, details)
        elif event_type == "security_alert":
            self.alert(event, details)
        elif event_type == "authentication":
            if event["result"] in ("failure", "denied"):
                self.count("auth_failures")

    def network(self, details):
        self.count("net_events")
        direction = text(details.get("direction"))
        remote = text(details.get("remote")) or ""
        port = number(details.get("port"))
        if direction == "outbound":
            self.count("net_outbound")
            self.remotes_out.add(remote)
            if port is not None and port not in COMMON_PORTS_OUT:
                self.count("net_uncommon_port_out")
            sent = number(details.get("bytes"))
            if sent is not None and sent > 0:
                self.count("net_bytes_out", sent)
                if remote in self.bytes_by_destination:
                    self.bytes_by_destination[remote] += sent
                elif len(self.bytes_by_destination) < MAXIMUM_DISTINCT:
                    self.bytes_by_destination[remote] = sent
        elif direction == "inbound":
            self.count("net_inbound")
            self.remotes_in.add(remote)
            if port is not None:
                self.ports_in.add(port)
                if port == 22.0:
                    self.count("net_ssh_in")
            if remote in self.peer_connections:
                self.peer_connections[remote] += 1.0
            elif len(self.peer_connections) < MAXIMUM_DISTINCT:
                self.peer_connections[remote] = 1.0
                self.peer_ports[remote] = BoundedSet()
            if port is not None and remote in self.peer_ports:
                self.peer_ports[remote].add(port)
        elif direction == "local":
            self.count("net_local")

    def process(self, event, details):
        action = event["action"]
        if action == "process.fork":
            self.count("proc_fork")
            return
        if action == "process.uid":
            after = number(details.get("euid"))
            before = number(details.get("euid_before"))
            if after == 0.0 and before is not None and before != 0.0:
                self.count("proc_uid_to_root")
            return
        if event["eventType"] == "human_command":
            self.count("human_commands")
            program = text(details.get("program")) or ""
        elif action == "process.exec":
            program = text(details.get("exe")) or event["target"]
        else:
            return
        self.count("proc_exec")
        self.programs.add(program)
        name = basename(program)
        if name in SHELLS:
            self.count("proc_shell")
        if name in NETWORK_TOOLS:
            self.count("proc_network_tool")
        if name in PRIVILEGE_TOOLS:
            self.count("proc_privilege_tool")
        if any(program.startswith(prefix) for prefix in TEMPORARY_PREFIXES) or program.endswith(" (deleted)"):
            self.count("proc_temporary_location")
        arguments = details.get("argv")
        words = [program] + ([a for a in arguments if isinstance(a, str)] if isinstance(arguments, list) else [])
        if any(word in ascii_lower(argument) for argument in words[:16] for word in MINER_WORDS):
            self.count("proc_miner_like")

    def file(self, event, details):
        path = event["target"]
        self.count("file_changes")
        self.paths.add(path)
        if details.get("authorized") is False:
            self.count("file_unauthorized")
        if any(within(path, prefix) for prefix in SENSITIVE_PATHS):
            self.count("file_sensitive")
        if any(within(path, prefix) for prefix in PERSISTENCE_PATHS):
            self.count("file_persistence")
        if any(path.startswith(prefix) for prefix in SYSTEM_BINARY_PREFIXES):
            self.count("file_system_binaries")

    def alert(self, event, details):
        action = event["action"]
        self.count("alerts")
        if event["riskLevel"] in ("high", "critical"):
            self.count("alerts_high")
        if action in AUTH_ALERTS:
            self.count("alerts_brute_force")
            evidence = details.get("evidence")
            self.count("auth_failures", float(len(evidence)) if isinstance(evidence, list) and evidence else 1.0)
        if action in SCAN_ALERTS:
            self.count("alerts_port_scan")
        if action in PROCESS_ALERTS:
            self.count("alerts_process")
        if action in PRIVILEGE_ALERTS:
            self.count("alerts_privilege")
        if action in MODULE_ALERTS:
            self.count("alerts_module")

    def finish(self):
        v = self.v
        v["distinct_agents"] = float(len(self.agents))
        v["net_distinct_remotes_out"] = float(len(self.remotes_out))
        v["net_distinct_remotes_in"] = float(len(self.remotes_in))
        v["net_distinct_ports_in"] = float(len(self.ports_in))
        v["net_max_ports_per_peer_in"] = float(max((len(s) for s in self.peer_ports.values()), default=0))
        v["net_max_connections_per_peer_in"] = max(self.peer_connections.values(), default=0.0)
        v["net_max_bytes_out_per_destination"] = max(self.bytes_by_destination.values(), default=0.0)
        v["proc_distinct_programs"] = float(len(self.programs))
        v["file_distinct_paths"] = float(len(self.paths))
        return [v[name] for name in NAMES]


def features(events):
    """The feature vector of a window (a list of events in the simulator's JSON shape)."""
    extractor = Extractor()
    for event in events[:MAXIMUM_EVENTS]:
        extractor.event(event)
    return extractor.finish()
