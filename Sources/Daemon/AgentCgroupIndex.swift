import Agents
import Foundation
import Sandbox
import Synchronization

/// Which agent a cgroup (v2, by id: the inode number of its directory) belongs to: the agents' cgroups below the
/// daemon's parent, and whatever an agent made below its own. Read again when an id is not known, at most once a
/// second, so a flood of unknown ids costs one directory walk a second.
public final class AgentCgroupIndex: Sendable {
    private let directory: String
    private let state = Mutex<(agents: [UInt64: String], readAt: ContinuousClock.Instant?)>(([:], nil))

    /// Nil without a cgroup v2 hierarchy (socket cgroup ids are v2 ids).
    public init?(tree: AgentCgroupTree) {
        guard case .v2(let root) = tree.layout else { return nil }
        directory = root + "/" + tree.parent
    }

    public func agent(ofCgroup id: UInt64) -> String? {
        state.withLock { state in
            if let agent = state.agents[id] { return agent }
            let now = ContinuousClock.now
            guard state.readAt.map({ now - $0 >= .seconds(1) }) ?? true else { return nil }
            state.readAt = now
            state.agents = read()
            return state.agents[id]
        }
    }

    private func read() -> [UInt64: String] {
        var found: [UInt64: String] = [:]
        let top = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in top {
            guard let agent = AgentCgroupName(name)?.agent else { continue }
            let base = directory + "/" + name
            for path in [base] + Self.subdirectories(of: base, depth: 3) {
                var info = stat()
                if lstat(path, &info) == 0 { found[UInt64(info.st_ino)] = agent }
            }
        }
        return found
    }

    private static func subdirectories(of path: String, depth: Int) -> [String] {
        guard depth > 0, let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [] }
        return names.flatMap { name -> [String] in
            let child = path + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return [] }
            return [child] + subdirectories(of: child, depth: depth - 1)
        }
    }
}
