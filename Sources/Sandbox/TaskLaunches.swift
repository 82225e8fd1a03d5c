import Foundation
import Synchronization

/// The task launches of this process under way, for an emergency stop. A stop lists the containers podman knows,
/// but a launch that passed its last check just before the stop may not have a container yet: its name is known
/// here from before that check, so the stop either finds it here (and cancels it before its podman client starts,
/// or kills its container until the client exits) or comes before the check (which then sees the stop).
final class TaskLaunches: Sendable {
    static let shared = TaskLaunches()

    /// One launch: its podman client, not started yet, cancelled, or running.
    final class Launch: @unchecked Sendable {
        // @unchecked: `state` only under `lock`; `process` and `exited` are Foundation's, used as they allow.
        enum State {
            case pending
            case cancelled
            case running
        }

        let name: String
        let process: Process
        /// Entered when the client starts, left when it exits (its termination handler's to leave).
        let exited = DispatchGroup()
        private let lock = NSLock()
        private var state = State.pending

        init(name: String, process: Process) {
            self.name = name
            self.process = process
        }

        /// Starts the client unless the launch was cancelled or `check` gives a reason not to (both throw
        /// ``TaskError/refused(_:file:line:)``); under the lock a stop takes, so neither can slip between them.
        func start(check: () -> String?) throws(TaskError) {
            lock.lock()
            defer { lock.unlock() }
            guard state == .pending else { throw .refused("\(name) not started: an emergency stop came first") }
            if let refusal = check() {
                state = .cancelled
                throw .refused("\(name) not started: \(refusal)")
            }
            exited.enter()
            do {
                try process.run()
            } catch {
                exited.leave()
                state = .cancelled
                throw .launch("cannot start \(process.executableURL?.path ?? "podman"): \(error)")
            }
            state = .running
        }

        /// Cancels a launch not started yet; true when its client is running (and must be killed instead).
        func cancelUnlessRunning() -> Bool {
            lock.lock()
            defer { lock.unlock() }
            if state == .pending { state = .cancelled }
            return state == .running
        }
    }

    private let launches = Mutex<[String: Launch]>([:])

    func add(_ launch: Launch) { launches.withLock { $0[launch.name] = launch } }

    func remove(_ name: String) { _ = launches.withLock { $0.removeValue(forKey: name) } }

    /// Cancels every launch named from `prefix` not started yet; the ones whose client runs, for the caller to kill.
    func cancelAll(namedFrom prefix: String) -> [Launch] {
        launches.withLock { Array($0.values) }.filter { $0.name.hasPrefix(prefix) && $0.cancelUnlessRunning() }
    }
}
