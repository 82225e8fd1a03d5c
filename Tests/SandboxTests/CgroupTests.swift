import Foundation
import SecurityTesting
import Testing

@testable import Sandbox

@Suite("Per-agent cgroups: limits, freeze, kill (v1 or v2, whichever this kernel has)")
struct CgroupTests {
    @Test("a cgroup below our own test folder gets the limits, holds a real process, freezes, thaws and kills it")
    func lifecycle() throws {
        guard requireRoot("cgroups") else { return }
        let layout = try CgroupLayout.detect()
        let cgroup = try AgentCgroup(
            layout: layout, parent: "aios-test-\(getpid())", name: "agent-\(UUID().uuidString.prefix(8))",
            limits: CgroupLimits(cpuPercent: 50, memoryBytes: 64 << 20, pids: 20))
        defer { cgroup.removeWithParent() }
        switch layout {
        case .v1(let controllers):
            let memory = try String(
                contentsOfFile: controllers["memory"]! + "/" + cgroup.path + "/memory.limit_in_bytes", encoding: .utf8)
            #expect(memory.trimmingCharacters(in: .whitespacesAndNewlines) == String(64 << 20))
            let quota = try String(
                contentsOfFile: controllers["cpu"]! + "/" + cgroup.path + "/cpu.cfs_quota_us", encoding: .utf8)
            #expect(quota.trimmingCharacters(in: .whitespacesAndNewlines) == "50000")
        case .v2(let root):
            let cpu = try String(contentsOfFile: root + "/" + cgroup.path + "/cpu.max", encoding: .utf8)
            #expect(cpu.hasPrefix("50000 100000"))
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
    @Test("freezing the parent stops every agent; kill-all leaves none; the time each took is measured")
    func freezeAndKillAll() throws {
        guard requireRoot("cgroups") else { return }
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
