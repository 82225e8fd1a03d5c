import Foundation
import Policy
import Synchronization

@testable import Detection

/// Two network namespaces made for one test and deleted after it, joined by a veth: the attacker `a`
/// (10.77.0.1/24 plus .11–.16 as separate sources) and the target `t` (10.77.0.2/24), whose own nft table logs
/// every inbound SYN to NFLOG group 5 and drops `@blocked4`. Nothing touches the host's network; every process
/// started here is ended by its pid.
final class IDSLab {
    static let target = "10.77.0.2"
    static let group: UInt16 = 5
    private static let counter = Mutex(0)
    let attacker: String
    let targetNamespace: String
    let directory: String
    private var processes: [pid_t] = []

    /// `ownTable` false: no `aiosids` table (the test applies the Firewall module's real table instead).
    init(ownTable: Bool = true) throws {
        let number = Self.counter.withLock { value -> Int in
            value += 1
            return value
        }
        let base = "aios-ids-\(getpid())-\(number)"
        (attacker, targetNamespace) = (base + "-a", base + "-t")
        directory = NSTemporaryDirectory() + base
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            for namespace in [attacker, targetNamespace] {
                try run(["ip", "netns", "add", namespace])
                try run(["ip", "-n", namespace, "link", "set", "lo", "up"])
            }
            try run([
                "ip", "-n", attacker, "link", "add", "va", "type", "veth", "peer", "name", "vt", "netns",
                targetNamespace,
            ])
            try run(["ip", "-n", attacker, "addr", "add", "10.77.0.1/24", "dev", "va"])
            for host in 11...16 { try run(["ip", "-n", attacker, "addr", "add", "10.77.0.\(host)/24", "dev", "va"]) }
            try run(["ip", "-n", targetNamespace, "addr", "add", Self.target + "/24", "dev", "vt"])
            try run(["ip", "-n", attacker, "link", "set", "va", "up"])
            try run(["ip", "-n", targetNamespace, "link", "set", "vt", "up"])
            if ownTable { try run(["ip", "netns", "exec", targetNamespace, "nft", "-f", "-"], input: Self.ruleset) }
        } catch {
            close()
            throw error
        }
    }

    /// The target's table: the shape the Firewall module's `inet aios` table gives the daemon.
    static let ruleset = """
        table inet aiosids {
            set blocked4 { type ipv4_addr; flags timeout; }
            chain input {
                type filter hook input priority 0; policy accept;
                ip saddr @blocked4 drop
                iif "lo" accept
                ct state established,related accept
                tcp flags & (fin|syn|rst|ack) == syn log group \(group)
            }
        }
        """

    var namespacePath: String { "/run/netns/" + targetNamespace }

    /// Ends every process the lab started (by pid) and deletes the namespaces and files.
    func close() {
        for pid in processes {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        processes = []
        for namespace in [attacker, targetNamespace] { _ = try? run(["ip", "netns", "del", namespace], check: false) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { close() }

    /// Runs a command to the end; its exit status and output (stdout and stderr together).
    @discardableResult
    func run(_ arguments: [String], input: String? = nil, check: Bool = true) throws -> (status: Int32, output: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = String(decoding: data, as: UTF8.self)
        if check && process.terminationStatus != 0 {
            throw TestFailure("\(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(output)")
        }
        return (process.terminationStatus, output)
    }

    @discardableResult
    func exec(_ namespace: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try run(["ip", "netns", "exec", namespace] + arguments, check: false)
    }

    /// Starts a long-running command in the target namespace (or `namespace`), ended by ``stop(_:)`` or
    /// ``close()``. Spawned directly, not with
    /// Foundation's `Process`: that reaps a child once the child closes a descriptor it inherited, and sshd closes
    /// every descriptor at start, which leaves Foundation waiting for it — and every other `Process` with it.
    /// `hostNamespaces`: in the test's own namespaces instead (for a command that enters the target itself).
    @discardableResult
    func start(_ arguments: [String], in namespace: String? = nil, hostNamespaces: Bool = false) throws -> pid_t {
        let argv =
            hostNamespaces
            ? ["/usr/bin/env"] + arguments
            : ["/usr/bin/env", "ip", "netns", "exec", namespace ?? targetNamespace] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0) }
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard status == 0 else { throw TestFailure("posix_spawn \(arguments[0]): \(status)") }
        processes.append(pid)
        return pid
    }

    /// Ends one process ``start(_:in:)`` started.
    func stop(_ pid: pid_t) {
        guard let index = processes.firstIndex(of: pid) else { return }
        processes.remove(at: index)
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// TCP listeners on `ports` in the target (accept and close).
    func listen(_ ports: [Int]) throws {
        let script = """
            import selectors, socket, sys
            sel = selectors.DefaultSelector()
            for p in map(int, sys.argv[1:]):
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("0.0.0.0", p)); s.listen(1024); s.setblocking(False); sel.register(s, selectors.EVENT_READ)
            while True:
                for key, _ in sel.select():
                    try:
                        c, _ = key.fileobj.accept(); c.close()
                    except OSError:
                        pass
            """
        try script.write(toFile: directory + "/listen.py", atomically: true, encoding: .utf8)
        try start(["python3", directory + "/listen.py"] + ports.map(String.init))
        Thread.sleep(forTimeInterval: 0.3)
    }

    /// Whether a TCP connection from `source` (an attacker address) to the target's `port` is accepted in 2 s.
    func connects(from source: String, port: Int) throws -> Bool {
        let script = """
            import socket, sys
            s = socket.socket(); s.settimeout(2); s.bind((sys.argv[1], 0))
            try:
                s.connect((sys.argv[2], int(sys.argv[3]))); print("ok")
            except OSError as e:
                print("failed", e)
            """
        return try exec(attacker, ["python3", "-c", script, source, Self.target, String(port)]).output.hasPrefix("ok")
    }

    /// Whether the target's set holds `address`.
    func isBlocked(_ address: String) throws -> Bool {
        try exec(targetNamespace, ["nft", "list", "set", "inet", "aiosids", "blocked4"]).output.contains(address + " ")
    }
}

/// The test stand-in for the Firewall's blocklist: `nft add element` into the lab target's set.
struct NamespaceSetBlocker: Blocker {
    let namespace: String

    func block(_ source: IPAddress, for duration: Duration, reason: String, evidence: IntrusionAlert) throws {
        let seconds = max(1, Int(duration / .seconds(1)))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "ip", "netns", "exec", namespace, "nft", "add", "element", "inet", "aiosids", "blocked4",
            "{ \(source) timeout \(seconds)s }",
        ]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("nft add element exited") }
    }
}

/// Waits up to `seconds` for `condition`.
func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}
