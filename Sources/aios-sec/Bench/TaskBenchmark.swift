import Foundation
import Sandbox

/// Issue 6's figure "task runner overhead over a bare `podman run` of the same rootfs ≤ 10 %": `runs` bare
/// `podman run` of `true` with exactly the runner's argument list (``TaskRunner/arguments(for:name:)``), spawned
/// with `posix_spawn` and its output sent to /dev/null, against `runs` ``TaskRunner/run(_:name:observer:)`` of the
/// same spec (validation, `Process`, captured output, timeout watch), and `runs` of the daemon's way (with the last
/// check before the start: ``TaskRunner/run(_:name:egress:observer:mayStart:)`` with `mayStart`, timed whole).
/// Interleaved, the order rotating, so all share the machine's noise; one warm-up of each first. Needs root and podman; `root` defaults to the base
/// image (built if missing). Returns a Markdown table.
func benchmarkTaskOverhead(runs: Int, root: TaskRoot? = nil) throws -> String {
    precondition(runs >= 1, "runs must be at least 1")
    let runner = try TaskRunner.locate()
    if root == nil { try TaskImage.ensureBase(podman: runner.podman) }
    let spec = try TaskSpec(command: ["true"], root: root ?? .image(TaskImage.baseName)).validated()
    var bare: [Duration] = []
    var wrapped: [Duration] = []
    var staged: [Duration] = []
    // The order rotates run by run, so the three share the machine's noise alike.
    for index in -1..<runs {
        let first = (index + 1) % 3
        for kind in (0..<3).map({ ($0 + first) % 3 }) {
            switch kind {
            case 0:
                let time = try timeBarePodman(runner.podman, spec: spec)
                if index >= 0 { bare.append(time) }
            case 1:
                let result = try runner.run(spec)
                try check(result)
                if index >= 0 { wrapped.append(result.duration) }
            default:
                // As the daemon runs a task: checked once more (an emergency stop?) just before the client starts;
                // timed whole, from the call to its return.
                let start = ContinuousClock.now
                let result = try runner.run(spec, mayStart: { nil })
                let elapsed = ContinuousClock.now - start
                try check(result)
                if index >= 0 { staged.append(elapsed) }
            }
        }
    }
    let (bareMedian, wrappedMedian) = (taskMedian(bare), taskMedian(wrapped))
    let ratio = wrappedMedian / bareMedian
    func milliseconds(_ duration: Duration) -> String { String(format: "%.1f", duration / .milliseconds(1)) }
    return """
        | launcher (`true`, \(spec.root.kind) \(spec.root), \(runs) runs each, interleaved) | median ms | min ms |
        |---|---:|---:|
        | bare `podman run` (the runner's own flags) | \(milliseconds(bareMedian)) | \(milliseconds(bare.min()!)) |
        | `TaskRunner.run` | \(milliseconds(wrappedMedian)) | \(milliseconds(wrapped.min()!)) |
        | `TaskRunner.run` as the daemon runs it (with the last check before the start; the whole call) | \(milliseconds(taskMedian(staged))) | \(milliseconds(staged.min()!)) |

        Task runner overhead: \(String(format: "%+.1f", (ratio - 1) * 100)) % (ratio \(String(format: "%.3f", ratio)); \
        target ≤ 10 %).
        """
}

private func check(_ result: TaskResult) throws {
    guard result.exitStatus == 0 else {
        throw TaskBenchmarkError("task run of `true` exited \(result.exitStatus): \(result.errorOutputText)")
    }
}

struct TaskBenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

private func taskMedian(_ values: [Duration]) -> Duration {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// One `podman run` with the runner's arguments, spawned directly (no pipes: output to /dev/null), timed from
/// spawn to reaped.
private func timeBarePodman(_ podman: TaskPodman, spec: TaskSpec) throws -> Duration {
    let arguments = [podman.path] + TaskRunner.arguments(for: spec, name: TaskRunner.newContainerName())
    let argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var pid: pid_t = 0
    let start = ContinuousClock.now
    let spawned = posix_spawn(&pid, podman.path, &actions, nil, argv, environ)
    guard spawned == 0 else {
        throw TaskBenchmarkError("posix_spawn \(podman.path): \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let elapsed = ContinuousClock.now - start
    guard status == 0 else { throw TaskBenchmarkError("bare podman run of `true` failed (wait status \(status))") }
    return elapsed
}
