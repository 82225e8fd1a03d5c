import Foundation

extension TaskRunner {
    /// Kills every task container running now or created to run, and this process's task launches under way (the
    /// emergency stop; works whether or not the daemon that started them is alive, for the containers): each
    /// `aios-task-*` container is killed and removed. Returns the names it killed.
    @discardableResult
    public func killAll() throws(TaskError) -> [String] { try killAll(namedFrom: Self.namePrefix) }

    /// ``killAll()`` of the containers whose names start with `prefix` (itself starting with the runner's prefix).
    func killAll(namedFrom prefix: String) throws(TaskError) -> [String] {
        precondition(prefix.hasPrefix(Self.namePrefix))
        // Created ones too: a container between its creation and its start (`podman init` done, the egress proxy's
        // listener being placed) is the task all the same, and would run once the stop had passed it by.
        let listed = try podman.call([
            "ps", "--all", "--format", "{{.Names}}", "--filter", "name=^" + prefix, "--filter", "status=created",
            "--filter", "status=initialized", "--filter", "status=running", "--filter", "status=paused",
        ])
        guard listed.status == 0 else { throw .launch("podman ps failed: \(listed.error)") }
        let names = listed.output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
        for name in names {
            _ = try? podman.call(["kill", name])
            _ = try? podman.call(["rm", "--force", "--ignore", "--time", "0", name])
        }
        // This process's own launches under way: one whose client has not started is cancelled; one whose client
        // runs may not have a container yet, so it is killed until the client exits, as a timeout does.
        let running = TaskLaunches.shared.cancelAll(namedFrom: prefix)
        DispatchQueue.concurrentPerform(iterations: running.count) { index in
            stop(running[index].name, process: running[index].process, exited: running[index].exited)
        }
        return Array(Set(names + running.map(\.name))).sorted()
    }
}

extension TaskRunner {
    /// Kills and removes one task container, by the name the runner gave it (`aios-task-<hex>`); any other name
    /// is refused, so no caller reaches a container the runner did not start.
    public func kill(container name: String) throws(TaskError) {
        guard name.hasPrefix(Self.namePrefix), name.count <= Self.namePrefix.count + 16,
            name.dropFirst(Self.namePrefix.count).allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else { throw .invalidSpec("'\(name.prefix(64))' is not a task container (\(Self.namePrefix)<hex>)") }
        let killed = try podman.call(["kill", name])
        _ = try? podman.call(["rm", "--force", "--ignore", "--time", "0", name])
        guard killed.status == 0 else { throw .launch("podman kill \(name) failed: \(killed.error)") }
    }
}
