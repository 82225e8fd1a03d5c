import Capabilities
import Foundation
import SecurityTesting
import Testing

@testable import Sandbox

/// Each test tries a way out of a full agent sandbox (uid 61990, PID/mount/network/IPC/UTS namespaces, the private
/// view, Landlock, seccomp, cgroup limits) and must fail to escape.
@Suite("Escape attempts from the agent sandbox", .serialized)
struct EscapeTests {
    /// A Python probe: `name=ok` when the operation succeeded, else `name=ERRNO_NAME`.
    static let probe = """
        import ctypes, errno, os, socket
        libc = ctypes.CDLL(None, use_errno=True)
        def report(name, function):
            try:
                result = function()
                if isinstance(result, int) and result < 0:
                    print(name + "=" + errno.errorcode.get(ctypes.get_errno(), "E?"))
                else:
                    print(name + "=ok")
            except OSError as error:
                print(name + "=" + errno.errorcode.get(error.errno, str(error.errno)))
        """

    @Test(
        "/etc/shadow: absent from the view; and Landlock alone refuses it even to root",
        .requiresRoot("namespaces and another uid"))
    func shadow() throws {
        let (_, output) = try runConfined("cat /etc/shadow >/dev/null 2>&1; echo \"view=$?\"", capabilities: [])
        #expect(probeResults(output)["view"] == "1", "\(output)")
        // The second layer on its own: root, the host's filesystem, only Landlock from fs:read:/usr/*.
        let pipe = Pipe()
        let child = try PendingProcess(
            LaunchSpec(
                executable: "/bin/cat", arguments: ["cat", "/etc/shadow"], environment: [], identity: nil,
                ownSessionKeyring: false, standardOutput: pipe.fileHandleForWriting.fileDescriptor,
                standardError: pipe.fileHandleForWriting.fileDescriptor,
                landlock: LandlockRule.compile([try Capability(parsing: "fs:read:/usr/*")], runtime: testRuntime)))
        try child.release()
        try pipe.fileHandleForWriting.close()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(child.wait() != 0)
        #expect(text.contains("Permission denied"), "\(text)")
    }

    @Test(
        "writes outside fs:write via .., symlinks, hard links, /proc/self/root, /proc/1/root and bind mounts fail",
        .requiresRoot("namespaces and another uid"))
    func writesOutside() throws {
        let granted = "/var/tmp/aios-escape-\(getpid())"
        try FileManager.default.createDirectory(atPath: granted + "/in", withIntermediateDirectories: true)
        chown(granted + "/in", 61990, 61990)
        defer { try? FileManager.default.removeItem(atPath: granted) }
        let (status, output) = try runConfined(
            """
            cd \(granted)/in
            echo x > ok; echo "inside=$?"
            echo x > ../dotdot 2>/dev/null; echo "dotdot=$?"
            ln -s /usr/lib link 2>/dev/null; echo x > link/evil 2>/dev/null; echo "symlink=$?"
            ln /etc/passwd hard 2>/dev/null; echo "hardlink=$?"
            echo x > /proc/self/root/usr/evil 2>/dev/null; echo "proc-self-root=$?"
            echo x > /proc/1/root/usr/evil 2>/dev/null; echo "proc-1-root=$?"
            mkdir -p /tmp/m; mount --bind /tmp/m /usr 2>/dev/null; echo "bind-mount=$?"
            """, capabilities: ["fs:write:\(granted)/in/*"])
        let results = probeResults(output)
        #expect(status == 0, "\(output)")
        #expect(results["inside"] == "0", "the grant works: \(output)")
        for attempt in ["dotdot", "symlink", "hardlink", "proc-self-root", "proc-1-root", "bind-mount"] {
            #expect(results[attempt] != nil && results[attempt] != "0", "\(attempt) escaped: \(output)")
        }
        #expect(!FileManager.default.fileExists(atPath: granted + "/dotdot"))
        #expect(
            !FileManager.default.fileExists(atPath: "/usr/lib/evil")
                && !FileManager.default.fileExists(atPath: "/usr/evil"))
    }

    @Test(
        "raw and packet sockets, ptrace, kernel modules and new user namespaces are refused",
        .requiresRoot("namespaces and another uid"))
    func kernelSurface() throws {
        let (_, output) = try runConfined(
            """
            python3 - <<'PY'
            \(Self.probe)
            report("raw", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW | socket.SOCK_CLOEXEC, 1))
            report("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0))
            report("ptrace", lambda: libc.ptrace(16, 1, 0, 0))
            report("finit_module", lambda: libc.syscall(313, -1, b"", 0))
            report("userns", lambda: libc.unshare(0x10000000))
            PY
            unshare -U -r true 2>/dev/null; echo "unshare-tool=$?"
            """, capabilities: [])
        let results = probeResults(output)
        for attempt in ["raw", "packet", "ptrace", "finit_module", "userns"] {
            #expect(results[attempt] == "EPERM", "\(attempt): \(output)")
        }
        #expect(results["unshare-tool"] != nil && results["unshare-tool"] != "0", "\(output)")
    }

    @Test(
        "the host's network, its abstract sockets and another agent's socket are out of reach",
        .requiresRoot("network namespaces"))
    func network() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        listen(listener, 4)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        defer { close(listener) }
        let port = UInt16(bigEndian: address.sin_port)
        let directory = "/run/aios-escape-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let other = try UnixListener(path: directory + "/other-agent.sock")
        _ = other
        let (_, output) = try runConfined(
            """
            python3 - <<'PY'
            \(Self.probe)
            def tcp():
                s = socket.socket(); s.settimeout(2); s.connect(("127.0.0.1", \(port)))
            def abstract():
                s = socket.socket(socket.AF_UNIX); s.connect("\\0aios-escape-\(getpid())")
            def other():
                s = socket.socket(socket.AF_UNIX); s.connect("\(directory)/other-agent.sock")
            def outside():
                s = socket.socket(); s.settimeout(2); s.connect(("10.0.0.1", 80))
            report("tcp-host", tcp)
            report("abstract", abstract)
            report("other-agent", other)
            report("off-host", outside)
            PY
            """, capabilities: [])
        let results = probeResults(output)
        for attempt in ["tcp-host", "abstract", "other-agent", "off-host"] {
            #expect(results[attempt] != nil && results[attempt] != "ok", "\(attempt): \(output)")
        }
    }

    @Test(
        "a fork bomb stops at pids.max and the host keeps working; killing the cgroup ends it", .requiresRoot("cgroups")
    )
    func forkBomb() throws {
        var observed: (pids: Int, hostRan: Bool) = (0, false)
        let (status, _) = try runConfined(
            // The main shell forks once, before the bomb (a shell whose fork fails exits with 2), then loops
            // without forking, so it stays until the cgroup is killed.
            "(f(){ f | f & }; f) & while :; do :; done", capabilities: [],
            limits: CgroupLimits(cpuPercent: 50, pids: 30)
        ) { cgroup in
            Thread.sleep(forTimeInterval: 1.5)
            observed.pids = cgroup?.sample().pids ?? 0
            let host = Process()
            host.executableURL = URL(fileURLWithPath: "/bin/true")
            try host.run()
            host.waitUntilExit()
            observed.hostRan = host.terminationStatus == 0
            try cgroup?.kill()
        }
        #expect(observed.pids > 0 && observed.pids <= 30, "contained: \(observed.pids)")
        #expect(observed.hostRan, "the host still forks")
        #expect(status == 137, "killed with the cgroup")
    }

    @Test("a memory hog is killed alone (137); the CPU quota holds a spinning loop", .requiresRoot("cgroups"))
    func memoryAndCPU() throws {
        let (hog, output) = try runConfined(
            "python3 -c 'x = bytearray(256 << 20); print(\"survived\")'", capabilities: [],
            limits: CgroupLimits(memoryBytes: 32 << 20))
        #expect(hog == 137 && !output.contains("survived"), "\(output)")

        var cpuSeconds = 0.0
        _ = try runConfined(
            "while :; do :; done", capabilities: [], limits: CgroupLimits(cpuPercent: 10)
        ) { cgroup in
            Thread.sleep(forTimeInterval: 2)
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            for pid in cgroup?.processes ?? [] {
                let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
                // Fields after the command name: utime and stime are the 12th and 13th.
                let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
                if fields.count > 13 { cpuSeconds += (Double(fields[11])! + Double(fields[12])!) / ticks }
            }
            try cgroup?.kill()
        }
        // 10 % of one core for ~2 s is ~0.2 s; unconfined it would be ~2 s.
        #expect(cpuSeconds > 0 && cpuSeconds < 0.6, "\(cpuSeconds) s of CPU in 2 s at a 10 % quota")
    }
}

@Suite("Landlock TCP rules from net: capabilities")
struct LandlockNetworkTests {
    @Test("ports from net:listen and net:connect are compiled; a right held for every port is not confined")
    func compile() throws {
        let network = LandlockNetwork.compile([
            try Capability(parsing: "net:listen:8080"), try Capability(parsing: "net:connect:api.example:443"),
        ])
        #expect(network.handled == LandlockNetwork.bind | LandlockNetwork.connect)
        #expect(network.ports == [8080: LandlockNetwork.bind, 443: LandlockNetwork.connect])
        let open = LandlockNetwork.compile([try Capability(parsing: "net:*")])
        #expect(open.handled == 0 && open.ports.isEmpty)
        let none = LandlockNetwork.compile([])
        #expect(none.handled == LandlockNetwork.bind | LandlockNetwork.connect && none.ports.isEmpty)
    }

    @Test(
        "the agent binds only its net:listen port and, without net:connect, connects nowhere",
        .requiresRoot("namespaces and another uid"))
    func enforced() throws {
        let (_, output) = try runConfined(
            """
            python3 - <<'PY'
            \(EscapeTests.probe)
            def bind(port):
                s = socket.socket(); s.bind(("0.0.0.0", port)); s.close()
            def connect():
                s = socket.socket(); s.connect(("127.0.0.1", 8080))
            report("bind-8080", lambda: bind(8080))
            report("bind-8081", lambda: bind(8081))
            report("connect", connect)
            PY
            """, capabilities: ["net:listen:8080"])
        let results = probeResults(output)
        #expect(results["bind-8080"] == "ok", "\(output)")
        #expect(results["bind-8081"] == "EACCES", "\(output)")
        #expect(results["connect"] == "EACCES", "refused by Landlock, before routing: \(output)")
    }
}
