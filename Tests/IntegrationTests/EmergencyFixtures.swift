import Foundation

/// The agents' parent cgroup as the kernel sees it, on either hierarchy (the tests create it below a name of their
/// own and remove it afterwards).
enum AgentTree {
    static func isFrozen(_ parent: String) -> Bool {
        if let v1 = try? String(contentsOfFile: "/sys/fs/cgroup/freezer/\(parent)/freezer.state", encoding: .utf8) {
            return v1.hasPrefix("FROZEN")
        }
        let v2 = (try? String(contentsOfFile: "/sys/fs/cgroup/\(parent)/cgroup.events", encoding: .utf8)) ?? ""
        return v2.contains("frozen 1")
    }

    /// Every process in the tree (the freezer hierarchy on v1).
    static func processes(_ parent: String) -> [Int32] {
        let root =
            FileManager.default.fileExists(atPath: "/sys/fs/cgroup/freezer")
            ? "/sys/fs/cgroup/freezer/\(parent)" : "/sys/fs/cgroup/\(parent)"
        var files = [root + "/cgroup.procs"]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix("/cgroup.procs") { files.append(root + "/" + relative) }
        }
        return files.flatMap { file in
            ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int32($0) }
        }
    }

    /// Removes the parent and anything left below it, in every hierarchy.
    static func remove(_ parent: String) {
        let roots =
            ["/sys/fs/cgroup"]
            + ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"].map {
                "/sys/fs/cgroup/" + $0
            }
        for root in roots {
            let top = root + "/" + parent
            let below = (FileManager.default.enumerator(atPath: top)?.allObjects as? [String]) ?? []
            for relative in below.sorted(by: { $0.count > $1.count }) { rmdir(top + "/" + relative) }
            rmdir(top)
        }
    }

    /// Waits up to `seconds` for `condition`.
    static func wait(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date() + seconds
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return condition()
    }
}
