import Foundation
import SecurityTesting
import Synchronization
import Testing

@testable import Sandbox

/// The values that follow `flag` in a podman argument list (the options come before the image).
private func values(of flag: String, in arguments: [String]) -> [String] {
    zip(arguments, arguments.dropFirst()).filter { $0.0 == flag }.map(\.1)
}

@Suite("Task runner: the podman argument list and the spec's checks (no podman needed)")
struct TaskRunnerArgumentTests {
    let spec = TaskSpec(
        command: ["/bin/sh", "-c", "echo hi"], root: .image("localhost/aios-task-base:latest"),
        memoryBytes: 64 << 20, cpus: 1.5, pids: 32, nofile: 256, nproc: 48, scratchBytes: 16 << 20)

    @Test("every confinement flag is there: read-only root, no network, no capabilities, limits, uid map, scratch")
    func confinementFlags() {
        let arguments = TaskRunner.arguments(for: spec, name: "aios-task-test")
        #expect(arguments.first == "run")
        #expect(arguments.contains("--rm"))
        #expect(arguments.contains("--read-only"))
        #expect(arguments.contains("--read-only-tmpfs=false"), "podman's unsized default tmpfs are off")
        #expect(values(of: "--name", in: arguments) == ["aios-task-test"])
        #expect(values(of: "--runtime", in: arguments) == ["runc"])
        #expect(values(of: "--pull", in: arguments) == ["never"])
        #expect(values(of: "--network", in: arguments) == ["none"])
        #expect(values(of: "--cap-drop", in: arguments) == ["all"])
        #expect(values(of: "--security-opt", in: arguments) == ["no-new-privileges"])
        #expect(values(of: "--uidmap", in: arguments) == ["0:1879048192:65536"])
        #expect(values(of: "--gidmap", in: arguments) == ["0:1879048192:65536"])
        #expect(values(of: "--ulimit", in: arguments) == ["nofile=256:256", "nproc=48:48"])
        #expect(values(of: "--memory", in: arguments) == ["67108864"])
        #expect(values(of: "--memory-swap", in: arguments) == ["67108864"])
        #expect(values(of: "--cpus", in: arguments) == ["1.5"])
        #expect(values(of: "--pids-limit", in: arguments) == ["32"])
        #expect(values(of: "--tmpfs", in: arguments).contains("/tmp:rw,size=16777216,mode=1777"))
        #expect(values(of: "--shm-size", in: arguments) == ["16777216"])
        #expect(values(of: "--timeout", in: arguments) == ["310"], "conmon's backstop: 300 s + 10")
        #expect(Array(arguments.suffix(4)) == ["localhost/aios-task-base:latest", "/bin/sh", "-c", "echo hi"])
    }

    @Test("the network is podman's bridge only when granted")
    func networkGranted() {
        var granted = spec
        granted.network = true
        #expect(values(of: "--network", in: TaskRunner.arguments(for: granted, name: "n")) == ["bridge"])
    }

    @Test("through the egress proxy: created, not run, with no network but loopback and the proxy variables")
    func networkThroughTheProxy() {
        var granted = spec
        granted.network = true
        let arguments = TaskRunner.arguments(for: granted, name: "n", proxyPort: 3128)
        #expect(arguments.first == "create" && values(of: "--network", in: arguments) == ["none"])
        #expect(values(of: "--env", in: arguments).contains("HTTPS_PROXY=http://127.0.0.1:3128"))
        #expect(values(of: "--env", in: TaskRunner.arguments(for: spec, name: "n", proxyPort: 3128)).isEmpty)
    }

    @Test("a rootfs directory is the first argument after the options, then the command")
    func rootfsArguments() {
        var rootfs = spec
        rootfs.root = .rootfs("/srv/task-root")
        rootfs.command = ["true"]
        let arguments = TaskRunner.arguments(for: rootfs, name: "n")
        #expect(Array(arguments.suffix(3)) == ["--rootfs", "/srv/task-root", "true"])
        #expect(!arguments.contains("localhost/aios-task-base:latest"))
    }

    @Test("every run gets its own container name")
    func uniqueNames() {
        let names = Set((0..<100).map { _ in TaskRunner.newContainerName() })
        #expect(names.count == 100)
        #expect(names.allSatisfy { $0.hasPrefix("aios-task-") && $0.count == "aios-task-".count + 12 })
    }

    @Test(
        "local image references are accepted",
        arguments: [
            "localhost/aios-task-base:latest", "busybox", "registry.example.com:5000/team/app:v1.2", "my_app-2",
            "localhost/x@sha256:" + String(repeating: "ab", count: 32),
        ])
    func goodImageNames(_ name: String) throws {
        try TaskSpec.checkImageName(name)
    }

    @Test(
        "image names that are not references (or would be options or shell) are refused",
        arguments: [
            "", "-rm", "--privileged", "Busybox", "a b", "x;id", "$(id)", "localhost/", "a//b", "img:", "img:-x",
            "x@sha256:abc", "localhost:port/x",
        ])
    func badImageNames(_ name: String) {
        #expect(throws: TaskError.invalidSpec("")) { try TaskSpec.checkImageName(name) }
    }

    @Test(
        "limits out of range are refused with a reason, never read as 'unlimited'",
        arguments: [
            "memory", "cpus", "pids", "timeout", "nofile", "nproc", "scratch", "output limit", "uid map", "command",
        ])
    func badLimits(_ field: String) {
        for bad in Self.badValues(field) {
            #expect(throws: TaskError.invalidSpec(""), "\(field)") { try bad.validated(hostCPUs: 2) }
        }
    }

    static func badValues(_ field: String) -> [TaskSpec] {
        let base = TaskSpec(command: ["true"], root: .image("busybox"))
        func with<Value>(_ path: WritableKeyPath<TaskSpec, Value>, _ values: [Value]) -> [TaskSpec] {
            values.map {
                var spec = base
                spec[keyPath: path] = $0
                return spec
            }
        }
        switch field {
        case "memory": return with(\.memoryBytes, [0, 1 << 20])
        case "cpus": return with(\.cpus, [0, -1, .nan, .infinity, 3])
        case "pids": return with(\.pids, [0, -1])
        case "timeout": return with(\.timeout, [.zero, .seconds(-1)])
        case "nofile": return with(\.nofile, [0, -5, 1 << 21])
        case "nproc": return with(\.nproc, [0, -1])
        case "scratch": return with(\.scratchBytes, [0, 100])
        case "output limit": return with(\.outputLimit, [-1])
        case "uid map":
            return with(\.userNamespace, [.init(hostBase: 0), .init(hostBase: 1, size: 0), .init(hostBase: .max - 10)])
        default: return with(\.command, [[], [""], ["a\u{0}b"]])
        }
    }

    @Test("the defaults pass, and so does a spec at the edges of every range")
    func goodLimits() throws {
        let spec = TaskSpec(
            command: ["true"], root: .image("busybox"), memoryBytes: TaskSpec.minimumMemory, cpus: 2, pids: 1,
            timeout: .milliseconds(1), nofile: 1, nproc: 1, scratchBytes: 4096, outputLimit: 0)
        #expect(try spec.validated(hostCPUs: 2) == spec)
        _ = try TaskSpec(command: ["true"], root: .image("busybox")).validated(hostCPUs: 1)
    }
}

@Suite("Task runner: --rootfs directories")
struct TaskRunnerRootfsTests {
    func scratchDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/aios-task-test-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("a path that is missing, or a file, is refused")
    func notADirectory() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(FileManager.default.createFile(atPath: directory + "/file", contents: Data()))
        for path in [directory + "/missing", directory + "/file", ""] {
            let error = #expect(throws: TaskError.invalidSpec("")) {
                try TaskSpec(command: ["true"], root: .rootfs(path)).validated()
            }
            #expect(error?.description.contains("rootfs") == true)
        }
    }

    @Test("a directory without the mount points is refused, naming each one missing")
    func missingMountPoints() throws {
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let error = #expect(throws: TaskError.invalidSpec("")) {
            try TaskSpec(command: ["true"], root: .rootfs(directory)).validated()
        }
        for point in ["proc/", "dev/", "sys/", "tmp/", "run/", "etc/", "etc/hosts", "etc/hostname"] {
            #expect(error?.description.contains(point) == true, "\(point)")
        }
    }

    @Test("the base rootfs is accepted (through a symlink, resolved); with the network it also needs resolv.conf")
    func baseRootfs() throws {
        guard TaskImage.isStaticExecutable(TaskImage.defaultBusybox) else {
            Issue.record("busybox-static is not installed (/bin/busybox)")
            return
        }
        let directory = try scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try TaskImage.buildRootfs(at: directory + "/root")
        try FileManager.default.createSymbolicLink(atPath: directory + "/link", withDestinationPath: "root")
        let spec = try TaskSpec(command: ["true"], root: .rootfs(directory + "/link")).validated()
        #expect(spec.root == .rootfs(directory + "/root"))
        #expect(FileManager.default.fileExists(atPath: directory + "/root/bin/sh"))
        try FileManager.default.removeItem(atPath: directory + "/root/etc/resolv.conf")
        _ = try TaskSpec(command: ["true"], root: .rootfs(directory + "/root")).validated()
        #expect(throws: TaskError.invalidSpec("")) {
            try TaskSpec(command: ["true"], root: .rootfs(directory + "/root"), network: true).validated()
        }
    }

    @Test("a static busybox is told from a dynamic executable")
    func staticExecutables() {
        #expect(!TaskImage.isStaticExecutable("/bin/sh") || !FileManager.default.fileExists(atPath: "/bin/sh"))
        #expect(!TaskImage.isStaticExecutable("/etc/hostname"))
    }
}

/// The base image (built once if podman lacks it; kept) and one rootfs directory for the whole test run.
enum TaskFixture {
    static let runner: Result<TaskRunner, TaskError> = Result { () throws(TaskError) in
        let runner = try TaskRunner.locate()
        try TaskImage.ensureBase(podman: runner.podman)
        return runner
    }

    static func spec(_ command: String, root: TaskRoot = .image(TaskImage.baseName)) -> TaskSpec {
        TaskSpec(
            command: ["/bin/sh", "-c", command], root: root, memoryBytes: 128 << 20, pids: 32,
            timeout: .seconds(60), scratchBytes: 16 << 20)
    }

    static func run(_ spec: TaskSpec) throws -> TaskResult {
        try runner.get().run(spec)
    }
}

@Suite("Task runner: real podman runs (root)")
struct TaskRunnerTests {
    @Test(
        "output and error output are captured apart, streamed as they come, and the exit status is the task's",
        .requiresRoot("root podman"))
    func capture() throws {
        let seen = Mutex<[TaskStream: [UInt8]]>([:])
        let result = try TaskFixture.runner.get().run(TaskFixture.spec("echo out; echo err >&2; exit 3")) {
            stream, chunk in seen.withLock { $0[stream, default: []] += chunk }
        }
        #expect(result.exitStatus == 3)
        #expect(result.outputText == "out\n")
        #expect(result.errorOutputText == "err\n")
        #expect(!result.timedOut && !result.outputTruncated && !result.errorOutputTruncated)
        #expect(seen.withLock { $0 } == [.output: Array("out\n".utf8), .error: Array("err\n".utf8)])
        #expect(result.containerName.hasPrefix(TaskRunner.namePrefix))
    }

    @Test("output beyond the limit is counted and reported as truncated, not kept", .requiresRoot("root podman"))
    func truncation() throws {
        var spec = TaskFixture.spec("head -c 100000 /dev/zero")
        spec.outputLimit = 1000
        let result = try TaskFixture.run(spec)
        #expect(result.exitStatus == 0)
        #expect(result.output.count == 1000 && result.outputBytes == 100_000 && result.outputTruncated)
    }

    @Test(
        "escape: the task's root is read-only, for an image and for a rootfs directory (which stays unchanged)",
        .requiresRoot("root podman"),
        arguments: ["image", "rootfs"])
    func readOnlyRoot(_ kind: String) throws {
        let directory = FileManager.default.temporaryDirectory.path + "/aios-task-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var root = TaskRoot.image(TaskImage.baseName)
        if kind == "rootfs" {
            try TaskImage.buildRootfs(at: directory)
            root = .rootfs(directory)
        }
        let before = kind == "rootfs" ? try FileManager.default.subpathsOfDirectory(atPath: directory).sorted() : []
        let script = """
            for target in /escape /bin/escape /etc/passwd /bin/busybox; do
              if echo x >> $target; then echo "wrote $target"; fi
            done
            mkdir /escape-dir && echo "made /escape-dir"
            chmod 777 /bin && echo "changed /bin"
            echo done
            """
        let result = try TaskFixture.run(TaskFixture.spec(script, root: root))
        #expect(result.outputText == "done\n")
        #expect(result.errorOutputText.contains("Read-only file system"))
        if kind == "rootfs" {
            #expect(try FileManager.default.subpathsOfDirectory(atPath: directory).sorted() == before)
            #expect(try String(contentsOfFile: directory + "/etc/passwd", encoding: .utf8).hasPrefix("root:x:0:0:"))
        }
    }

    @Test(
        "the scratch /tmp is writable, sized, and gone after the task: a second task does not see the file",
        .requiresRoot("root podman"))
    func scratchIsDestroyed() throws {
        let first = try TaskFixture.run(
            TaskFixture.spec("echo data > /tmp/scratch && cat /tmp/scratch && grep -E ' /tmp | /dev/shm ' /proc/mounts")
        )
        #expect(first.exitStatus == 0)
        #expect(first.outputText.hasPrefix("data\n"))
        let mounts = first.outputText.split(separator: "\n").dropFirst()
        #expect(mounts.count == 2 && mounts.allSatisfy { $0.contains("size=16384k") }, "\(first.outputText)")
        let second = try TaskFixture.run(TaskFixture.spec("test -e /tmp/scratch && echo present || echo absent"))
        #expect(second.outputText == "absent\n")
    }

    /// The interface names in /proc/net/dev.
    func interfaces(_ text: String) -> [String] {
        text.split(separator: "\n").dropFirst(2).compactMap {
            $0.split(separator: ":").first?.trimmingCharacters(in: .whitespaces)
        }
    }

    @Test("no network: only lo; with the network granted there is another interface", .requiresRoot("root podman"))
    func network() throws {
        let closed = try TaskFixture.run(TaskFixture.spec("cat /proc/net/dev"))
        #expect(interfaces(closed.outputText) == ["lo"])
        var spec = TaskFixture.spec("cat /proc/net/dev")
        spec.network = true
        let open = try TaskFixture.run(spec)
        #expect(open.exitStatus == 0)
        #expect(interfaces(open.outputText).contains { $0 != "lo" }, "\(open.outputText) \(open.errorOutputText)")
    }

    @Test("the pids limit holds: a loop of background sleeps cannot fork past it", .requiresRoot("root podman"))
    func pidsLimit() throws {
        var spec = TaskFixture.spec(
            "i=0; while [ $i -lt 40 ]; do sleep 10 & i=$((i+1)); done; echo all forked")
        spec.pids = 16
        spec.nproc = 1000
        let result = try TaskFixture.run(spec)
        #expect(result.exitStatus != 0)
        #expect(!result.outputText.contains("all forked"))
        #expect(result.errorOutputText.contains("can't fork"), "\(result.errorOutputText)")
    }

    @Test("the memory limit holds: a 300 MB hog under 64 MiB is killed (137)", .requiresRoot("root podman"))
    func memoryLimit() throws {
        var spec = TaskFixture.spec("head -c 300m /dev/zero | tail")
        spec.memoryBytes = 64 << 20
        let result = try TaskFixture.run(spec)
        #expect(result.exitStatus == 137)
        #expect(!result.timedOut)
    }

    /// The daemon decides a task, records it, perhaps builds the base image — and an emergency stop can come in
    /// between. The last check is made just before the podman client starts; a "no" there leaves nothing behind.
    @Test(
        "a refusal at the last check before the start leaves nothing; its command never runs",
        .requiresRoot("root podman"))
    func theLastCheckBeforeTheStart() throws {
        let runner = try TaskFixture.runner.get()
        let name = TaskRunner.newContainerName()
        #expect(throws: TaskError.refused("")) {
            try runner.run(TaskFixture.spec("echo the-task-ran"), name: name, mayStart: { "emergency stop" })
        }
        #expect(try runner.podman.call(["container", "exists", name]).status == 1)
        let allowed = try runner.run(TaskFixture.spec("echo the-task-ran"), mayStart: { nil })
        #expect(allowed.exitStatus == 0 && allowed.outputText == "the-task-ran\n", "\(allowed.errorOutputText)")
    }

    /// The stop that comes right after the last check said yes: the podman client is starting and its container
    /// may not exist yet, so podman's list does not have it — the runner's own record of the launch does, and the
    /// stop kills it until the client exits.
    @Test(
        "an emergency stop right after the last check kills the launch even before its container exists",
        .requiresRoot("root podman"))
    func aStopRightAfterTheLastCheck() throws {
        let runner = try TaskFixture.runner.get()
        let name = TaskRunner.newContainerName() + "-racing"
        let killed = Mutex<[String]?>(nil)
        let result = try runner.run(
            TaskFixture.spec("sleep 30; echo the-task-ran"), name: name,
            mayStart: {
                // The stop, from another thread, as the emergency stopper's is: it waits for the launch to start.
                Thread.detachNewThread {
                    let names = try? runner.killAll(namedFrom: name)
                    killed.withLock { $0 = names }
                }
                return nil
            })
        #expect(!result.outputText.contains("the-task-ran"))
        #expect(!result.timedOut && result.duration < .seconds(20), "killed by the stop, not at its end")
        let deadline = ContinuousClock.now + .seconds(15)
        while killed.withLock({ $0 }) == nil && ContinuousClock.now < deadline { usleep(20_000) }
        #expect(killed.withLock { $0 } == [name], "the stop names the launch it killed")
        #expect(try runner.podman.call(["container", "exists", name]).status == 1)
    }

    @Test("the timeout kills the task, reports it, and leaves no container behind", .requiresRoot("root podman"))
    func timeout() throws {
        let runner = try TaskFixture.runner.get()
        var spec = TaskFixture.spec("echo started; sleep 30")
        spec.timeout = .seconds(1)
        let result = try runner.run(spec)
        #expect(result.timedOut)
        #expect(result.exitStatus != 0)
        #expect(result.duration < .seconds(15))
        #expect(result.outputText == "started\n")
        #expect(try runner.podman.call(["container", "exists", result.containerName]).status == 1)
    }

    @Test(
        "a timeout that comes before the container exists still stops it and leaves nothing behind",
        .requiresRoot("root podman"))
    func earlyTimeout() throws {
        let runner = try TaskFixture.runner.get()
        var spec = TaskFixture.spec("sleep 30")
        spec.timeout = .milliseconds(20)
        let result = try runner.run(spec)
        #expect(result.timedOut)
        #expect(result.duration < .seconds(15))
        #expect(try runner.podman.call(["container", "exists", result.containerName]).status == 1)
    }

    @Test(
        "escape: the task's root is not the host's root (uid 0 maps to an unprivileged uid) and has no capabilities",
        .requiresRoot("root podman"))
    func userNamespace() throws {
        let result = try TaskFixture.run(
            TaskFixture.spec("cat /proc/self/uid_map /proc/self/gid_map; id -u; grep CapEff /proc/self/status"))
        let lines = result.outputText.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace) }
        let expected = ["0", String(TaskUserNamespace.defaultHostBase), "65536"]
        #expect(lines.count == 4)
        #expect(lines.first.map { $0.map(String.init) } == expected, "uid_map: \(result.outputText)")
        #expect(lines.dropFirst().first.map { $0.map(String.init) } == expected, "gid_map")
        #expect(lines.dropFirst(2).first == ["0"], "root inside")
        #expect(lines.last == ["CapEff:", "0000000000000000"])
    }
}

/// A task whose network goes through an egress proxy: created with `--network none` and the proxy's variables, its
/// namespace handed to the egress before its command runs, and released after.
@Suite("Task runner: a granted network through the egress proxy (root)")
struct TaskRunnerEgressTests {
    /// Listens on 127.0.0.1:PORT in the container's namespace (as the daemon's proxy does) and notes each call.
    final class ListeningEgress: TaskEgress {
        let port: UInt16 = 3128
        let calls = Mutex<[String]>([])

        func open(container: String, pid: Int32) throws {
            calls.withLock { $0.append("open \(container)") }
            let listener = Process()
            listener.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
            listener.arguments = [
                "--net=/proc/\(pid)/ns/net", "python3", "-c",
                "import socket; s = socket.socket(); s.bind(('127.0.0.1', 3128)); s.listen(1); "
                    + "c, _ = s.accept(); c.sendall(b'proxy-here')",
            ]
            try listener.run()
            Thread.sleep(forTimeInterval: 0.5)
        }

        func close(container: String) { calls.withLock { $0.append("close \(container)") } }
    }

    @Test("the task's namespace has only lo, the proxy's listener is there before the command runs")
    func throughTheProxy() throws {
        var spec = TaskFixture.spec("echo $HTTPS_PROXY; grep -c : /proc/net/dev; nc 127.0.0.1 3128 </dev/null")
        spec.network = true
        let egress = ListeningEgress()
        let result = try TaskFixture.runner.get().run(spec, egress: egress)
        #expect(result.exitStatus == 0, "\(result.errorOutputText)")
        #expect(result.outputText == "http://127.0.0.1:3128\n1\nproxy-here", "\(result.errorOutputText)")
        let name = result.containerName
        #expect(egress.calls.withLock { $0 } == ["open \(name)", "close \(name)"])
    }

    /// An emergency stop can come between the container's creation and its start (here: while the proxy's
    /// listener is being placed). The container is not running yet, but it is the task all the same: the stop
    /// must take it, and its command must never run.
    @Test("an emergency stop between creation and start takes the created container; its command never runs")
    func aStopBeforeTheStartTakesTheCreatedContainer() throws {
        let runner = try TaskFixture.runner.get()
        // A name of this test's own, and a stop limited to it: the other tests' tasks run on beside it.
        let name = TaskRunner.newContainerName() + "-stopped"
        final class StoppingEgress: TaskEgress {
            let port: UInt16 = 3128
            let runner: TaskRunner
            let name: String
            let killed = Mutex<[String]>([])
            init(runner: TaskRunner, name: String) {
                self.runner = runner
                self.name = name
            }
            func open(container: String, pid: Int32) throws {
                let names = try runner.killAll(namedFrom: name)
                killed.withLock { $0 = names }
            }
            func close(container: String) {}
        }
        let egress = StoppingEgress(runner: runner, name: name)
        var spec = TaskFixture.spec("echo the-task-ran")
        spec.network = true
        let result = try? runner.run(spec, name: name, egress: egress)
        #expect(egress.killed.withLock { $0 } == [name])
        #expect(result.map { !$0.outputText.contains("the-task-ran") } ?? true, "\(result?.outputText ?? "")")
        #expect(try runner.podman.call(["container", "exists", name]).status == 1)
    }
}
