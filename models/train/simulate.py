"""A seeded simulator of labelled 5-minute windows of host events, in the shapes the daemon's producers give them.

Each window is a list of events as the events window holds them (HostEvent: kind, eventType, agent, action, target,
details, result, riskLevel, time), plus a label: 1 when an attack was injected, 0 otherwise. Benign windows carry
the six agents' ordinary work (system, network, security, monitor, package, task), a person's SSH session now and
then, and the internet's background noise (a scanner or a password guesser the IDS already blocks). Attacks are
injected at varied intensity, from loud to barely there, and benign windows include the look-alikes (package
installs that write systemd units and load modules, an operator's sudo, large legitimate uploads), so the problem
is not trivially separable.

Deterministic: the same seed gives the same windows, byte for byte.
"""

import json
import random
import sys

WINDOW_MS = 5 * 60 * 1000
START_MS = 1_780_000_000_000
AGENTS = ["system", "network", "security", "monitor", "package", "task"]
AGENT_UIDS = {"system": 61001, "network": 61002, "security": 61003, "monitor": 61004, "package": 61005, "task": 61006}
LOCAL = "10.0.0.5"
SERVICES = ["140.82.112.3", "151.101.1.69", "104.16.132.229", "185.125.190.36", "91.189.91.83", "34.117.59.81"]
MIRRORS = ["91.189.91.83", "185.125.190.36", "151.101.194.132"]
ADMINS = ["10.0.0.20", "10.0.0.21"]
ATTACKS = ["port_scan", "brute_force", "exfiltration", "privilege_escalation", "miner", "persistence", "module_load"]


def rfc3339(ms):
    seconds, millis = divmod(ms, 1000)
    import time

    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{base}.{millis:03d}Z"


class Window:
    """Builds one window's events; every event gets a time inside the window."""

    def __init__(self, rng, start):
        self.rng = rng
        self.start = start
        self.events = []
        self.next_pid = rng.randint(2000, 60000)
        self.conntrack = rng.randint(1, 1 << 30)

    def at(self):
        return self.start + self.rng.randrange(WINDOW_MS)

    def pid(self):
        self.next_pid += self.rng.randint(1, 40)
        return self.next_pid

    def add(self, kind, event_type, agent, action, target, details, result="success", risk="low", time=None):
        self.events.append(
            {
                "kind": kind,
                "eventType": event_type,
                "agent": agent,
                "action": action,
                "target": target,
                "details": details,
                "result": result,
                "riskLevel": risk,
                "time": time if time is not None else self.at(),
            }
        )

    # Network: what ConnectionMonitor.observation publishes (one event per conntrack new or destroy).
    def connection(self, direction, remote, port, agent="host", event="new", bytes_=None, time=None):
        self.conntrack += 1
        details = {
            "direction": direction,
            "protocol": "tcp",
            "remote": remote,
            "port": port,
            "local": LOCAL,
            "event": event,
            "source_port": self.rng.randint(32768, 60999) if direction != "inbound" else self.rng.randint(1024, 65535),
            "conntrack_id": self.conntrack,
        }
        if uid := AGENT_UIDS.get(agent):
            details["uid"] = uid
        if bytes_ is not None:
            details["packets"] = max(1, bytes_ // 1200)
            details["bytes"] = bytes_
        action = {"outbound": "net.connect", "inbound": "net.accept", "local": "net.local"}[direction]
        target = f"tcp :{port} ← {remote}" if direction == "inbound" else f"tcp {remote}:{port}"
        self.add("network", "network_connection", agent, action, target, details, time=time)

    def flow(self, direction, remote, port, agent, bytes_):
        """A connection that opened and closed in the window: new, then destroy with its counters."""
        opened = self.at()
        self.connection(direction, remote, port, agent, "new", time=opened)
        closed = min(self.start + WINDOW_MS - 1, opened + self.rng.randint(5, 90_000))
        self.connection(direction, remote, port, agent, "destroy", bytes_, time=closed)

    # Processes: ProcessObservation.draft (fork, exec, uid, exit).
    def exec(self, agent, exe, argv, uid=None, time=None):
        pid = self.pid()
        uid = AGENT_UIDS.get(agent, 0) if uid is None else uid
        time = self.at() if time is None else time
        self.add("processes", "process", agent, "process.fork", f"pid {pid}", {"pid": pid, "ppid": pid - 3}, time=time)
        details = {"pid": pid, "ppid": pid - 3, "uid": uid, "euid": uid, "exe": exe, "argv": argv}
        self.add("processes", "process", agent, "process.exec", exe, details, time=time + 1)
        if self.rng.random() < 0.8:
            self.add("processes", "process", agent, "process.exit", f"pid {pid}", {"pid": pid}, time=time + 2)
        return pid

    def uid_change(self, agent, pid, before, after):
        details = {"pid": pid, "uid_before": before, "euid_before": before, "uid": after, "euid": after}
        self.add("processes", "process", agent, "process.uid", f"pid {pid}", details)

    def human_command(self, program, argv, session):
        details = {"program": program, "pid": self.pid(), "session_id": session, "argv": argv, "uid": 1000}
        self.add("processes", "human_command", "human", "exec", f"session/{session}", details, risk="medium")

    # Files: FileFinding (an authorized observation, or an alert and an unauthorized modification).
    def file_change(self, agent, path, change="modified", authorized=True, alert="fim.unauthorized_change"):
        evidence = {"path": path, "source": "fanotify", "events": ["close_write"], "change": change}
        if authorized:
            details = dict(evidence, authorized=True, audit_id=f"{self.rng.getrandbits(64):016x}")
            self.add("files", "file_modification", agent, f"file.{change}", path, details)
            return
        risk = "high" if alert == "fim.unauthorized_change" else "critical"
        time = self.at()
        summary = f"{change} {path} outside the Broker"
        self.add(
            "alerts", "security_alert", "aios-sec", alert, path, dict(evidence, summary=summary), risk=risk, time=time
        )
        details = dict(evidence, authorized=False, alert=alert)
        self.add("files", "file_modification", agent, f"file.{change}", path, details, risk=risk, time=time)

    # Alerts: IntrusionAlert and HostAlert drafts.
    def ids_alert(self, rule, source, evidence, ports=(), blocked=True):
        details = {"rule": rule, "source": source, "summary": f"{rule} from {source}", "evidence": evidence}
        if ports:
            details["ports"] = list(ports)
        details["response"] = "block" if blocked else "alert"
        self.add("alerts", "security_alert", "aios-sec", f"ids.{rule}", source, details, risk="high" if blocked else "medium")

    def host_alert(self, rule, subject, agent=None, evidence=None):
        details = {"rule": rule, "summary": f"{rule}: {subject}", "response": "alert"}
        if agent:
            details["agent"] = agent
        details.update(evidence or {})
        self.add("alerts", "security_alert", "aios-sec", f"ids.{rule}", subject, details, risk="high")


def random_ip(rng):
    return f"{rng.choice([45, 61, 89, 103, 118, 176, 185, 193, 203, 222])}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


# Benign activity.


def benign(w, rng, busy):
    for _ in range(round(busy * rng.randint(2, 8))):
        w.exec("system", rng.choice(["/usr/bin/systemctl", "/usr/bin/journalctl", "/usr/bin/df", "/usr/bin/ps"]), ["x"])
    if rng.random() < 0.08:
        # A legitimate unit update by the system agent, through the Broker.
        w.file_change("system", f"/etc/systemd/system/{rng.choice(['aios-backup', 'logship'])}.service")
    for _ in range(round(busy * rng.randint(3, 20))):
        w.flow("outbound", rng.choice(SERVICES), rng.choice([443, 443, 443, 80, 53]), "network", rng.randint(800, 90_000))
    for _ in range(round(busy * rng.randint(0, 4))):
        w.exec("network", rng.choice(["/usr/bin/curl", "/usr/bin/dig", "/usr/bin/ping"]), ["x", "https://example.net"])
    for _ in range(round(busy * rng.randint(1, 5))):
        w.exec("security", rng.choice(["/usr/bin/sha256sum", "/usr/bin/find", "/usr/bin/ss"]), ["x"])
    for _ in range(round(busy * rng.randint(2, 10))):
        w.exec("monitor", rng.choice(["/usr/bin/ps", "/usr/bin/top", "/usr/bin/free", "/usr/bin/cat"]), ["x"])
        if rng.random() < 0.5:
            w.flow("outbound", "10.0.0.9", 9090, "monitor", rng.randint(500, 20_000))
    for _ in range(rng.randint(0, 6)):
        w.connection("local", "127.0.0.1", rng.choice([5432, 6379, 8080]), rng.choice(AGENTS))
    if rng.random() < 0.25:
        package_run(w, rng)
    task_work(w, rng, busy)
    if rng.random() < 0.2:
        admin_session(w, rng)
    internet_noise(w, rng)
    if rng.random() < 0.05:
        w.add("processes", "agent_spawn", rng.choice(AGENTS), "agent.spawn", "/usr/libexec/aios/agent", {"pid": w.pid()}, risk="medium")
    if rng.random() < 0.03:
        w.add("processes", "agent_shutdown", rng.choice(AGENTS), "agent.stop", "/usr/libexec/aios/agent", {}, risk="medium")


def package_run(w, rng):
    """An upgrade: downloads, dpkg, binaries and libraries replaced, sometimes a unit, a cron job, a module."""
    w.exec("package", "/usr/bin/apt-get", ["apt-get", "upgrade", "-y"], uid=0)
    for _ in range(rng.randint(1, 6)):
        w.flow("outbound", rng.choice(MIRRORS), rng.choice([80, 443]), "package", rng.randint(200_000, 180_000_000))
    for _ in range(rng.randint(1, 12)):
        w.exec("package", "/usr/bin/dpkg", ["dpkg", "--unpack"], uid=0)
        w.file_change("package", rng.choice(["/usr/bin/", "/usr/lib/x86_64-linux-gnu/", "/usr/sbin/"]) + f"p{rng.randint(0, 999)}")
    if rng.random() < 0.3:
        w.file_change("package", f"/usr/lib/systemd/system/p{rng.randint(0, 99)}.service", change="created")
        w.exec("package", "/usr/bin/systemctl", ["systemctl", "daemon-reload"], uid=0)
    if rng.random() < 0.15:
        w.file_change("package", "/etc/cron.d/p" + str(rng.randint(0, 99)), change="created")
    if rng.random() < 0.1:
        module = rng.choice(["nf_conntrack", "overlay", "br_netfilter"])
        w.host_alert("module_loaded", module, evidence={"module": module, "size": rng.randint(20_000, 200_000)})
    if rng.random() < 0.05:
        # An upgrade that raced the Broker: the FIM cannot tell it from anyone else's write.
        w.file_change("package", "/usr/bin/p" + str(rng.randint(0, 999)), authorized=False)


def task_work(w, rng, busy):
    for _ in range(round(busy * rng.randint(1, 8))):
        exe = rng.choice(["/usr/bin/python3", "/usr/bin/git", "/usr/bin/bash", "/usr/bin/make", "/usr/bin/curl"])
        w.exec("task", exe, [exe.rsplit("/", 1)[1], "job"])
    if rng.random() < 0.15:
        w.exec("task", f"/tmp/build-{rng.randint(0, 999)}/a.out", ["a.out"])
    for _ in range(round(busy * rng.randint(0, 6))):
        w.flow("outbound", rng.choice(SERVICES), 443, "task", rng.randint(2_000, 400_000))
    if rng.random() < 0.06:
        # A legitimate large upload (a report, a backup to the object store).
        w.flow("outbound", "52.216.8.141", 443, "task", rng.randint(5_000_000, 400_000_000))
    for _ in range(rng.randint(0, 5)):
        w.file_change("task", f"/var/lib/aios/work/{rng.randint(0, 9999)}.json", change=rng.choice(["created", "modified"]))


def admin_session(w, rng):
    admin = rng.choice(ADMINS)
    w.connection("inbound", admin, 22)
    if rng.random() < 0.3:
        w.connection("inbound", admin, 22)  # a retry after a typo
    session = rng.randint(1, 900)
    for _ in range(rng.randint(1, 12)):
        program = rng.choice(["ls", "less", "journalctl", "systemctl", "vim", "aios-sec", "sudo", "cat"])
        w.human_command(program, [program], session)
    if rng.random() < 0.3:
        pid = w.exec("host", "/usr/bin/sudo", ["sudo", "systemctl", "restart", "nginx"], uid=1000)
        w.uid_change("host", pid, 1000, 0)
    if rng.random() < 0.1:
        w.file_change("human", "/etc/ssh/sshd_config", authorized=False, alert="fim.privilege_escalation")


def internet_noise(w, rng):
    """What an address on the internet always sees: probes, a few guessed passwords, now and then a blocked scan."""
    for _ in range(rng.randint(0, 8)):
        w.connection("inbound", random_ip(rng), rng.choice([22, 22, 22, 23, 80, 443, 3389, 8080]))
    if rng.random() < 0.15:
        source = random_ip(rng)
        ports = sorted(rng.sample(range(1, 10000), rng.randint(20, 60)))
        w.ids_alert("port_scan", source, [f"tcp {source}:40000 -> {LOCAL}:{p}" for p in ports[:20]], ports)
    if rng.random() < 0.12:
        source = random_ip(rng)
        n = rng.randint(5, 12)
        for _ in range(rng.randint(1, 3)):
            w.connection("inbound", source, 22)
        w.ids_alert("brute_force", source, [f"Failed password for root from {source}"] * n)


# Attacks.


def port_scan(w, rng, strength):
    source = random_ip(rng) if rng.random() < 0.6 else f"10.0.0.{rng.randint(30, 250)}"
    count = max(4, int(strength * rng.randint(20, 600)))
    ports = sorted(rng.sample(range(1, 65536), count))
    for port in ports:
        w.connection("inbound", source, port)
    if count >= 20 and rng.random() < 0.6:
        w.ids_alert("port_scan", source, [f"tcp {source}:40000 -> {LOCAL}:{p}" for p in ports[:20]], ports[:100])


def brute_force(w, rng, strength):
    sources = [random_ip(rng) for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 12))]
    attempts = max(3, int(strength * rng.randint(10, 300)))
    for _ in range(attempts):
        w.connection("inbound", rng.choice(sources), 22)
    if attempts >= 5 and rng.random() < 0.7:
        for source in sources:
            w.ids_alert("brute_force", source, [f"Failed password for invalid user admin from {source}"] * 5)
    if rng.random() < 0.1:
        # It worked: a session follows.
        session = rng.randint(1, 900)
        for program in ["id", "uname", "wget", "chmod"]:
            w.human_command(program, [program], session)


def exfiltration(w, rng, strength):
    agent = rng.choice(["task", "task", "network", "monitor"])
    destination = random_ip(rng)
    port = rng.choice([443, 443, 443, 8443, 53, 9001, 22])
    if rng.random() < 0.5:
        w.exec(agent, rng.choice(["/usr/bin/tar", "/usr/bin/gzip", "/usr/bin/openssl"]), ["x", "/var/lib/aios"])
    if rng.random() < 0.5:
        w.exec(agent, rng.choice(["/usr/bin/curl", "/usr/bin/scp", "/usr/bin/nc", "/usr/bin/rsync"]), ["x", destination])
    total = int(strength * rng.randint(3_000_000, 2_000_000_000))
    chunks = rng.randint(1, 40)
    for _ in range(chunks):
        w.flow("outbound", destination, port, agent, max(1000, total // chunks))


def privilege_escalation(w, rng, strength):
    agent = rng.choice(["task", "network", "monitor", "package"])
    uid = AGENT_UIDS[agent]
    tool = rng.choice(["/usr/bin/sudo", "/usr/bin/pkexec", "/usr/bin/su", f"/tmp/.x{rng.randint(0, 99)}/exploit"])
    pid = w.exec(agent, tool, [tool.rsplit("/", 1)[1], "-i"], uid=uid)
    if rng.random() < 0.8:
        w.uid_change(agent, pid, uid, 0)
    if rng.random() < 0.6 * strength + 0.2:
        w.host_alert("uid_zero", agent, agent, {"pid": pid, "uid_before": uid, "uid_after": 0})
    if rng.random() < 0.3:
        w.host_alert("privileged_exec", agent, agent, {"pid": pid, "exe": tool})
    if rng.random() < 0.5:
        path = rng.choice(["/etc/sudoers.d/zz", "/etc/passwd", "/etc/shadow", "/etc/pam.d/common-auth"])
        w.file_change(agent, path, authorized=False, alert="fim.privilege_escalation")
    if rng.random() < 0.3:
        w.file_change(agent, f"/usr/local/bin/.{rng.randint(0, 99)}", change="created", authorized=False, alert="fim.privileged_file")
    if rng.random() < 0.5:
        w.exec(agent, "/usr/bin/bash", ["bash", "-p"], uid=0)


def miner(w, rng, strength):
    agent = rng.choice(["task", "task", "monitor", "host"])
    disguise = rng.random() < 0.5
    exe = f"/tmp/.{rng.choice(['kworkerds', 'sysupdate', 'dbus-daemon'])}" if disguise else rng.choice(
        ["/usr/local/bin/xmrig", "/tmp/xmrig", "/dev/shm/minerd"]
    )
    if rng.random() < 0.6:
        w.exec(agent, rng.choice(["/usr/bin/wget", "/usr/bin/curl"]), ["x", f"http://{random_ip(rng)}/x"])
        w.exec(agent, "/usr/bin/chmod", ["chmod", "+x", exe])
    argv = [exe.rsplit("/", 1)[1], "-o", f"stratum+tcp://{random_ip(rng)}:3333"] if not disguise else [exe]
    w.exec(agent, exe, argv)
    pool = random_ip(rng)
    port = rng.choice([3333, 4444, 5555, 14444, 443, 80])
    for _ in range(max(1, int(strength * rng.randint(1, 30)))):
        w.flow("outbound", pool, port, agent, rng.randint(2_000, 60_000))
    if rng.random() < 0.4:
        w.host_alert("deleted_executable", exe, agent, {"exe": exe + " (deleted)"})
    if rng.random() < 0.3:
        w.host_alert("unexpected_exec", agent, agent, {"exe": exe})


def persistence(w, rng, strength):
    agent = rng.choice(["task", "network", "monitor", "host", "package"])
    paths = [
        f"/etc/cron.d/{rng.choice(['sysupdate', 'logclean', '.x'])}",
        "/var/spool/cron/crontabs/root",
        f"/etc/systemd/system/{rng.choice(['dbus-org', 'network-helper', 'kworker'])}.service",
        f"/etc/systemd/user/{rng.choice(['update', 'sync'])}.service",
        "/etc/ld.so.preload",
        "/etc/crontab",
    ]
    for _ in range(rng.randint(1, 1 + int(strength * 3))):
        w.file_change(agent, rng.choice(paths), change=rng.choice(["created", "modified"]), authorized=False, alert="fim.privilege_escalation")
    if rng.random() < 0.5:
        tool = rng.choice([("/usr/bin/crontab", ["crontab", "-"]), ("/usr/bin/systemctl", ["systemctl", "enable", "x"])])
        w.exec(agent, tool[0], tool[1])
    if rng.random() < 0.3:
        w.exec(agent, "/usr/bin/bash", ["bash", "-c", "echo ... | base64 -d | sh"])


def module_load(w, rng, strength):
    module = rng.choice(["diamorphine", "reptile", "nfs_helper", "kvm_probe", "overlay"])
    agent = rng.choice(["task", "host", "package", "system"])
    if rng.random() < 0.7:
        w.exec(agent, rng.choice(["/usr/sbin/insmod", "/usr/sbin/modprobe"]), ["insmod", f"/tmp/{module}.ko"], uid=0)
    if rng.random() < 0.3:
        w.host_alert("module_load_refused", agent, agent, {"syscall": "finit_module"})
    else:
        w.host_alert("module_loaded", module, evidence={"module": module, "size": rng.randint(8_000, 90_000)})
    if rng.random() < 0.4:
        w.file_change(agent, f"/tmp/{module}.ko", change="created", authorized=False)
    if rng.random() < 0.3 * strength:
        w.host_alert("module_unloaded", module, evidence={"module": module})


ATTACK_FUNCTIONS = {
    "port_scan": port_scan,
    "brute_force": brute_force,
    "exfiltration": exfiltration,
    "privilege_escalation": privilege_escalation,
    "miner": miner,
    "persistence": persistence,
    "module_load": module_load,
}


def window(rng, index, attack_rate=0.3):
    """One window: benign activity, and with probability `attack_rate` one or two attacks."""
    w = Window(rng, START_MS + index * WINDOW_MS)
    busy = rng.choice([0.3, 0.6, 1.0, 1.0, 1.5, 2.5])
    benign(w, rng, busy)
    attacks = []
    if rng.random() < attack_rate:
        attacks = [rng.choice(ATTACKS)]
        if rng.random() < 0.15:
            attacks.append(rng.choice(ATTACKS))
        for attack in attacks:
            # Strength from barely there to loud; the low end overlaps the benign noise on purpose.
            ATTACK_FUNCTIONS[attack](w, rng, rng.choice([0.05, 0.15, 0.3, 0.6, 1.0, 1.5]))
    w.events.sort(key=lambda e: e["time"])
    for event in w.events:
        event["time"] = rfc3339(event["time"])
    return {"label": 1 if attacks else 0, "attacks": attacks, "events": w.events}


def windows(seed, count):
    rng = random.Random(seed)
    return [window(rng, index) for index in range(count)]


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 19
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    for item in windows(seed, count):
        print(json.dumps(item, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
