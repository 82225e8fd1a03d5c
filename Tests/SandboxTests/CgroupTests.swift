import Foundation
import SecurityTesting
import Testing

@testable import Sandbox

@Suite("Per-agent cgroups: limits, freeze, kill (v1 or v2, whichever this kernel has)")
struct CgroupTests {
    @Test(
        "a cgroup below our own test folder gets the limits, holds a real process, freezes, thaws and kills it",
        .requiresRoot("cgroups"))
    func lifecycle() throws {
        let layout = try CgroupLayout.detect()
        let cgroup = try AgentCgroup(
            layout: layout, parent: "aios-test-\(getpid())", name: "agent-\(UUID().uuidString.prefix(8))",
            limits: CgroupLimits(
                cpuPercent: 50, memoryBytes: 64 << 20, pids: 20, ioBytesPerSecond: 10 << 20,
                ioDevices: BlockDevice.wholeDisks(under: ["/"])))
        defer { cgroup.removeWithParent() }
        let disk = try #require(BlockDevice.wholeDisk(under: "/"))
        switch layout {
        case .v1(let controllers):
            let memory = try String(
                contentsOfFile: controllers["memory"]! + "/" + cgroup.path + "/memory.limit_in_bytes", encoding: .utf8)
            #expect(memory.trimmingCharacters(in: .whitespacesAndNewlines) == String(64 << 20))
            let quota = try String(
                contentsOfFile: controllers["cpu"]! + "/" + cgroup.path + "/cpu.cfs_quota_us", encoding: .utf8)
            #expect(quota.trimmingCharacters(in: .whitespacesAndNewlines) == "50000")
            // The kernel kept the throttling rule for the root filesystem's disk.
            let throttle = try String(
                contentsOfFile: controllers["blkio"]! + "/" + cgroup.path + "/blkio.throttle.write_bps_device",
                encoding: .utf8)
            #expect(throttle.contains("\(disk) \(10 << 20)"), "\(throttle)")
        case .v2(let root):
            let cpu = try String(contentsOfFile: root + "/" + cgroup.path + "/cpu.max", encoding: .utf8)
            #expect(cpu.hasPrefix("50000 100000"))
            let io = try String(contentsOfFile: root + "/" + cgroup.path + "/io.max", encoding: .utf8)
            #expect(io.contains("\(disk) rbps=\(10 << 20)"), "\(io)")
        }
        let pids = try String(contentsOfFile: cgroup.file("pids", "pids.max"), encoding: .utf8)
        #expect(pids.trimmingCharacters(in: .whitespacesAndNewlines) == "20")

        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["30"]
        try sleeper.run()
        try cgroup.add(pid: sleeper.processIdentifier)
        #expect(cgroup.processes == [sleeper.processIdentifier])
        let frozenAt = ContinuousClock.now
        try cgroup.freeze()
        #expect(cgroup.isFrozen)
        print("froze 1 process in \(ContinuousClock.now - frozenAt)")
        try cgroup.thaw()
        #expect(!cgroup.isFrozen)
        try cgroup.kill()
        sleeper.waitUntilExit()
        #expect(sleeper.terminationReason == .uncaughtSignal && sleeper.terminationStatus == SIGKILL)
        #expect(cgroup.processes.isEmpty)
    }
}

@Suite("Every agent at once: the emergency stop's mechanism")
struct AgentCgroupTreeTests {
    @Test(
        "freezing the parent stops every agent; kill-all leaves none; the time each took is measured",
        .requiresRoot("cgroups"))
    func freezeAndKillAll() throws {
        let layout = try CgroupLayout.detect()
        let parent = "aios-test-\(getpid())-tree"
        var groups: [AgentCgroup] = []
        var sleepers: [Process] = []
        defer {
            for group in groups { group.removeWithParent() }
        }
        for index in 0..<3 {
            let group = try AgentCgroup(layout: layout, parent: parent, name: "agent-\(index)", limits: CgroupLimits())
            groups.append(group)
            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
            sleeper.arguments = ["30"]
            try sleeper.run()
            try group.add(pid: sleeper.processIdentifier)
            sleepers.append(sleeper)
        }
        let tree = AgentCgroupTree(layout: layout, parent: parent)
        #expect(Set(tree.processes) == Set(sleepers.map(\.processIdentifier)))
        let frozen = try tree.freezeAll()
        #expect(tree.isFrozen && groups.allSatisfy(\.isFrozen), "every agent below the parent is frozen")
        try tree.thawAll()
        let killed = try tree.killAll()
        for sleeper in sleepers { sleeper.waitUntilExit() }
        #expect(sleepers.allSatisfy { $0.terminationReason == .uncaughtSignal })
        #expect(tree.processes.isEmpty)
        print("froze 3 agents in \(frozen), killed them in \(killed)")
    }
}

/// The cgroup v2 driver against a fake cgroupfs (a temporary directory): this kernel mounts v1 controllers, so v2
/// is proven here by what the driver writes where.
@Suite("cgroup v2 driver (fake cgroupfs)")
struct CgroupV2DriverTests {
    @Test("limits land in the v2 files, controllers are enabled in the parent, I/O per whole disk")
    func limits() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fake-cgroup2-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/aios", withIntermediateDirectories: true)
        let group = try AgentCgroup(
            layout: .v2(root: root), parent: "aios", name: "agent-x",
            limits: CgroupLimits(
                cpuPercent: 150, memoryBytes: 256 << 20, pids: 30, ioBytesPerSecond: 10 << 20,
                ioDevices: ["254:0", "8:0"]))
        func read(_ file: String) throws -> String {
            try String(contentsOfFile: root + "/" + file, encoding: .utf8)
        }
        #expect(try read("aios/cgroup.subtree_control") == "+cpu +memory +pids +io")
        #expect(try read("aios/agent-x/cpu.max") == "150000 100000")
        #expect(try read("aios/agent-x/memory.max") == String(256 << 20))
        #expect(try read("aios/agent-x/memory.oom.group") == "1")
        #expect(try read("aios/agent-x/pids.max") == "30")
        // io.max takes one device per write; the fake keeps the last.
        #expect(try read("aios/agent-x/io.max") == "8:0 rbps=10485760 wbps=10485760")
        try group.add(pid: 4242)
        #expect(try read("aios/agent-x/cgroup.procs") == "4242")
        try "populated 1\nfrozen 1\n".write(
            toFile: root + "/aios/agent-x/cgroup.events", atomically: true, encoding: .utf8)
        try group.freeze(timeout: .milliseconds(100))
        #expect(try read("aios/agent-x/cgroup.freeze") == "1")
        // The kernel empties the group after cgroup.kill; the fake does so a little later.
        let procs = root + "/aios/agent-x/cgroup.procs"
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.05) {
            try? "".write(toFile: procs, atomically: true, encoding: .utf8)
        }
        try group.kill(timeout: .seconds(2))
        #expect(try read("aios/agent-x/cgroup.kill") == "1")
        #expect(group.processes.isEmpty)
    }
}

@Suite("Block devices for I/O limits")
struct BlockDeviceTests {
    @Test("the root filesystem's whole disk is found; tmpfs and proc have none")
    func wholeDisk() {
        #expect(BlockDevice.wholeDisk(under: "/proc") == nil)
        #expect(BlockDevice.wholeDisk(under: "/dev/shm") == nil)
        let root = BlockDevice.wholeDisk(under: "/")
        #expect(root?.split(separator: ":").count == 2, "the root filesystem sits on a block device here")
        if let root { #expect(!FileManager.default.fileExists(atPath: "/sys/dev/block/\(root)/partition")) }
    }
}
