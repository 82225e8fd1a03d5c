import Foundation

/// Every agent's cgroup at once: the parent folder they live under (`aios`). This is the mechanism the emergency
/// stop uses: freeze all (nothing runs, nothing forks), kill all, thaw.
public struct AgentCgroupTree: Sendable {
    public let layout: CgroupLayout
    public let parent: String

    public init(layout: CgroupLayout, parent: String) {
        self.layout = layout
        self.parent = parent
    }

    private var freezerDirectory: String {
        switch layout {
        case .v2(let root): root + "/" + parent
        case .v1(let controllers): (controllers["freezer"] ?? "") + "/" + parent
        }
    }

    /// Whether the parent exists (it is made with the first agent): before that there is nothing to freeze.
    public var exists: Bool { FileManager.default.fileExists(atPath: freezerDirectory) }

    /// The names of the cgroups directly below the parent, in any hierarchy (a half-made one may be in only some).
    public var groups: [String] {
        let roots: [String] =
            switch layout {
            case .v2(let root): [root]
            case .v1(let controllers): Array(Set(controllers.values))
            }
        let names = roots.flatMap { root in
            let directory = root + "/" + parent
            return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { name in
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
                    && isDirectory.boolValue
            }
        }
        return Set(names).sorted()
    }

    /// Every process in every agent cgroup below the parent.
    public var processes: [Int32] {
        var found: [Int32] = []
        let root = freezerDirectory
        let enumerator = FileManager.default.enumerator(atPath: root)
        var files = ["cgroup.procs"]
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix("/cgroup.procs") { files.append(relative) }
        }
        for file in files {
            let text = (try? String(contentsOfFile: root + "/" + file, encoding: .utf8)) ?? ""
            found += text.split(separator: "\n").compactMap { Int32($0) }
        }
        return found
    }

    /// Freezes every agent; returns how long until the kernel reported them all frozen.
    @discardableResult
    public func freezeAll(timeout: Duration = .seconds(5)) throws(CgroupError) -> Duration {
        let start = ContinuousClock.now
        switch layout {
        case .v2: try AgentCgroup.write("1", to: freezerDirectory + "/cgroup.freeze")
        case .v1: try AgentCgroup.write("FROZEN", to: freezerDirectory + "/freezer.state")
        }
        try AgentCgroup.wait(for: parent, timeout: timeout) { isFrozen }
        return ContinuousClock.now - start
    }

    public func thawAll() throws(CgroupError) {
        switch layout {
        case .v2: try AgentCgroup.write("0", to: freezerDirectory + "/cgroup.freeze")
        case .v1: try AgentCgroup.write("THAWED", to: freezerDirectory + "/freezer.state")
        }
    }

    public var isFrozen: Bool {
        switch layout {
        case .v2:
            let events = (try? String(contentsOfFile: freezerDirectory + "/cgroup.events", encoding: .utf8)) ?? ""
            return events.contains("frozen 1")
        case .v1:
            let state = try? String(contentsOfFile: freezerDirectory + "/freezer.state", encoding: .utf8)
            return state?.hasPrefix("FROZEN") == true
        }
    }

    /// Kills every agent process; returns how long until none was left. v2: `cgroup.kill` on the parent. v1:
    /// freeze all (nothing forks meanwhile), SIGKILL each, thaw (a frozen task dies only once thawed).
    @discardableResult
    public func killAll(timeout: Duration = .seconds(5)) throws(CgroupError) -> Duration {
        let start = ContinuousClock.now
        switch layout {
        case .v2:
            try AgentCgroup.write("1", to: freezerDirectory + "/cgroup.kill")
        case .v1:
            try freezeAll(timeout: timeout)
            for pid in processes { kill(pid, SIGKILL) }
            try thawAll()
        }
        try AgentCgroup.wait(for: parent, timeout: timeout) { processes.isEmpty }
        return ContinuousClock.now - start
    }
}
