import Foundation

/// Resource limits for one agent (spec defaults: CPU 200 %, memory 2 GB, 100 PIDs, I/O 100 MB/s).
public struct CgroupLimits: Sendable, Equatable {
    public var cpuPercent: Int
    public var memoryBytes: UInt64
    public var pids: Int
    /// Read and write bandwidth, each, on every device in `ioDevices`; nil: not throttled.
    public var ioBytesPerSecond: UInt64?
    /// Block devices (`MAJ:MIN` of whole disks) the I/O limit applies to: see ``BlockDevice``.
    public var ioDevices: [String]

    public init(
        cpuPercent: Int = 200, memoryBytes: UInt64 = 2 << 30, pids: Int = 100, ioBytesPerSecond: UInt64? = nil,
        ioDevices: [String] = []
    ) {
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
        self.pids = pids
        self.ioBytesPerSecond = ioBytesPerSecond
        self.ioDevices = ioDevices
    }
}

public struct CgroupError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }

    public init(message: String) { self.message = message }
}

/// Where the kernel's cgroup controllers are: a cgroup v2 tree with the controllers we need, or v1 hierarchies.
public enum CgroupLayout: Sendable, Equatable {
    case v2(root: String)
    case v1(controllers: [String: String])

    static let needed = ["cpu", "memory", "pids"]

    /// Reads /proc/self/mountinfo: v2 when a cgroup2 mount offers cpu, memory and pids; else the v1 mounts.
    public static func detect() throws(CgroupError) -> CgroupLayout {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else {
            throw CgroupError(message: "cannot read /proc/self/mountinfo")
        }
        var v1: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let fields = halves[0].split(separator: " ")
            let after = halves[1].split(separator: " ")
            guard fields.count >= 5, after.count >= 3 else { continue }
            let mountPoint = String(fields[4])
            if after[0] == "cgroup2" {
                let available = (try? String(contentsOfFile: mountPoint + "/cgroup.controllers", encoding: .utf8)) ?? ""
                let controllers = Set(available.split(whereSeparator: \.isWhitespace).map(String.init))
                if needed.allSatisfy(controllers.contains) { return .v2(root: mountPoint) }
            } else if after[0] == "cgroup" {
                for option in after[2].split(separator: ",")
                where needed.contains(String(option)) || option == "freezer" || option == "blkio" {
                    v1[String(option)] = mountPoint
                }
            }
        }
        guard (needed + ["freezer"]).allSatisfy({ v1[$0] != nil }) else {
            throw CgroupError(message: "no cgroup v2 tree with cpu, memory and pids, and no complete v1 set")
        }
        return .v1(controllers: v1)
    }
}

/// One agent's cgroup (in every v1 hierarchy it needs, or one v2 directory), created with its limits.
public final class AgentCgroup: Sendable {
    public let layout: CgroupLayout
    /// The path below each hierarchy's root, e.g. `aios/agent-network`.
    public let path: String

    /// Creates `parent/name` with the limits, failing closed: if any limit cannot be written the cgroup is removed.
    public init(layout: CgroupLayout, parent: String, name: String, limits: CgroupLimits) throws(CgroupError) {
        self.layout = layout
        path = parent + "/" + name
        do throws(CgroupError) {
            for directory in directories {
                try Self.makeDirectory((directory as NSString).deletingLastPathComponent)
                try Self.makeDirectory(directory)
            }
            switch layout {
            case .v2(let root):
                let io = limits.ioBytesPerSecond != nil && !limits.ioDevices.isEmpty
                try Self.write(
                    "+cpu +memory +pids" + (io ? " +io" : ""), to: root + "/" + parent + "/cgroup.subtree_control")
                let base = root + "/" + path
                try Self.write("\(limits.cpuPercent * 1000) 100000", to: base + "/cpu.max")
                try Self.write(String(limits.memoryBytes), to: base + "/memory.max")
                // An OOM kill takes the whole agent, never half of it; and no swap to hide in, where swap exists.
                try Self.write("1", to: base + "/memory.oom.group")
                if access(base + "/memory.swap.max", F_OK) == 0 { try Self.write("0", to: base + "/memory.swap.max") }
                try Self.write(String(limits.pids), to: base + "/pids.max")
                if let rate = limits.ioBytesPerSecond {
                    for device in limits.ioDevices {
                        try Self.write("\(device) rbps=\(rate) wbps=\(rate)", to: base + "/io.max")
                    }
                }
            case .v1(let controllers):
                let cpu = controllers["cpu"]! + "/" + path
                try Self.write("100000", to: cpu + "/cpu.cfs_period_us")
                try Self.write(String(limits.cpuPercent * 1000), to: cpu + "/cpu.cfs_quota_us")
                let memory = controllers["memory"]! + "/" + path
                try Self.write(String(limits.memoryBytes), to: memory + "/memory.limit_in_bytes")
                // Memory plus swap, where the kernel accounts swap (swapaccount=1).
                if access(memory + "/memory.memsw.limit_in_bytes", F_OK) == 0 {
                    try Self.write(String(limits.memoryBytes), to: memory + "/memory.memsw.limit_in_bytes")
                }
                try Self.write(String(limits.pids), to: controllers["pids"]! + "/" + path + "/pids.max")
                if let rate = limits.ioBytesPerSecond, !limits.ioDevices.isEmpty {
                    guard let blkio = controllers["blkio"] else {
                        throw CgroupError(message: "an I/O limit needs the blkio controller, which is not mounted")
                    }
                    for device in limits.ioDevices {
                        for direction in ["read", "write"] {
                            try Self.write(
                                "\(device) \(rate)", to: blkio + "/" + path + "/blkio.throttle.\(direction)_bps_device")
                        }
                    }
                }
            }
        } catch {
            remove()
            throw error
        }
    }

    /// A cgroup that exists already (`parent/name`), e.g. one a killed launcher left behind; nothing is created.
    public init(layout: CgroupLayout, existing path: String) {
        self.layout = layout
        self.path = path
    }

    /// A control file of one controller (`file("memory", "memory.max")`): its v1 hierarchy, or the v2 directory.
    public func file(_ controller: String, _ name: String) -> String {
        switch layout {
        case .v2(let root): root + "/" + path + "/" + name
        case .v1(let controllers): (controllers[controller] ?? "") + "/" + path + "/" + name
        }
    }

    /// Every directory this cgroup has (one per v1 hierarchy, or one in v2).
    var directories: [String] {
        switch layout {
        case .v2(let root): [root + "/" + path]
        case .v1(let controllers): controllers.keys.sorted().map { controllers[$0]! + "/" + path }
        }
    }

    /// Moves a process into the cgroup (in every hierarchy).
    public func add(pid: Int32) throws(CgroupError) {
        for directory in directories { try Self.write(String(pid), to: directory + "/cgroup.procs") }
    }

    public var processes: [Int32] {
        let text = (try? String(contentsOfFile: directories[0] + "/cgroup.procs", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { Int32($0) }
    }

    /// Stops every process in place; returns once the kernel reports the group frozen.
    public func freeze(timeout: Duration = .seconds(5)) throws(CgroupError) {
        switch layout {
        case .v2(let root): try Self.write("1", to: root + "/" + path + "/cgroup.freeze")
        case .v1(let controllers): try Self.write("FROZEN", to: controllers["freezer"]! + "/" + path + "/freezer.state")
        }
        try waitUntil(timeout: timeout) { self.isFrozen }
    }

    public func thaw() throws(CgroupError) {
        switch layout {
        case .v2(let root): try Self.write("0", to: root + "/" + path + "/cgroup.freeze")
        case .v1(let controllers): try Self.write("THAWED", to: controllers["freezer"]! + "/" + path + "/freezer.state")
        }
    }

    public var isFrozen: Bool {
        switch layout {
        case .v2(let root):
            let events = (try? String(contentsOfFile: root + "/" + path + "/cgroup.events", encoding: .utf8)) ?? ""
            return events.contains("frozen 1")
        case .v1(let controllers):
            let state = try? String(
                contentsOfFile: controllers["freezer"]! + "/" + path + "/freezer.state", encoding: .utf8)
            return state?.hasPrefix("FROZEN") == true
        }
    }

    /// Kills every process and waits until the group is empty. v2: `cgroup.kill`. v1: freeze (so nothing forks
    /// meanwhile), SIGKILL every member, thaw (a frozen task does not die until thawed).
    public func kill(timeout: Duration = .seconds(5)) throws(CgroupError) {
        // An empty cgroup stays empty (only an attach could add a process): nothing to freeze or kill.
        guard !processes.isEmpty else { return }
        switch layout {
        case .v2(let root):
            try Self.write("1", to: root + "/" + path + "/cgroup.kill")
        case .v1:
            try freeze(timeout: timeout)
            for pid in processes { Glibc.kill(pid, SIGKILL) }
            try thaw()
        }
        try waitUntil(timeout: timeout) { self.processes.isEmpty }
    }

    /// Removes the cgroup's directories (it must be empty); errors are ignored (best effort on teardown). The kernel
    /// refuses (EBUSY) while an exited member is still being released, so that is retried for up to two seconds.
    public func remove() {
        let deadline = ContinuousClock.now + .seconds(2)
        for directory in directories {
            while rmdir(directory) != 0 && errno == EBUSY && ContinuousClock.now < deadline { usleep(1000) }
        }
    }

    /// Removes the parent directories too, if nothing else is in them (tests' `aios-test-<pid>`).
    public func removeWithParent() {
        remove()
        for directory in directories { rmdir((directory as NSString).deletingLastPathComponent) }
    }

    private func waitUntil(timeout: Duration, _ condition: () -> Bool) throws(CgroupError) {
        try Self.wait(for: path, timeout: timeout, condition)
    }

    static func wait(for what: String, timeout: Duration, _ condition: () -> Bool) throws(CgroupError) {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { throw CgroupError(message: "\(what): timed out") }
            usleep(1000)
        }
    }

    static func makeDirectory(_ path: String) throws(CgroupError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw CgroupError(message: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func write(_ value: String, to path: String) throws(CgroupError) {
        // O_CREAT changes nothing on cgroupfs (no file can be created there; a missing one fails either way) and
        // lets the driver run against a fake cgroupfs in tests.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CgroupError(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(value.utf8)
        guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count else {
            throw CgroupError(message: "cannot write '\(value)' to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
