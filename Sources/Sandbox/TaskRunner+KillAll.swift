import Foundation

extension TaskRunner {
    /// Kills every task container running now (the emergency stop; works whether or not the daemon that started
    /// them is alive): each `aios-task-*` container is killed and removed. Returns the names it killed.
    @discardableResult
    public func killAll() throws(TaskError) -> [String] {
        let listed = try podman.call(["ps", "--format", "{{.Names}}", "--filter", "name=^" + Self.namePrefix])
        guard listed.status == 0 else { throw .launch("podman ps failed: \(listed.error)") }
        let names = listed.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(Self.namePrefix) }
        for name in names {
            _ = try? podman.call(["kill", name])
            _ = try? podman.call(["rm", "--force", "--ignore", "--time", "0", name])
        }
        return names
    }
}
