import Foundation
import Synchronization

/// Drains one of podman's output pipes on a thread of its own, so the task never blocks on a full pipe: every
/// chunk goes to the observer (if any), the first `limit` bytes are kept, the rest only counted.
final class TaskOutputReader: Sendable {
    private struct State {
        var kept: [UInt8] = []
        var total = 0
    }

    private let state = Mutex(State())
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let limit: Int

    /// Starts reading `descriptor` (which the caller keeps open until ``finish(grace:)`` returns).
    init(
        descriptor: Int32, stream: TaskStream, limit: Int,
        observer: (@Sendable (TaskStream, [UInt8]) -> Void)?
    ) {
        self.limit = limit
        Thread.detachNewThread { [self] in
            drain(descriptor, stream: stream, observer: observer)
            finished.signal()
        }
    }

    /// Waits for the end of the stream; a stream still open after `grace` (a process that kept the pipe) is
    /// abandoned after whatever it already wrote has been read.
    func finish(grace: Duration) -> (kept: [UInt8], total: Int) {
        if finished.wait(timeout: .now() + .milliseconds(Int(grace / .milliseconds(1)))) == .timedOut {
            stopRequested.store(true, ordering: .relaxed)
            finished.wait()
        }
        return state.withLock { ($0.kept, $0.total) }
    }

    private func drain(_ descriptor: Int32, stream: TaskStream, observer: (@Sendable (TaskStream, [UInt8]) -> Void)?) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let ready = poll(&pollDescriptor, 1, 100)
            if ready == 0 {
                if stopRequested.load(ordering: .relaxed) { return }
                continue
            }
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            guard count > 0 else { return }
            let chunk = Array(buffer[..<count])
            state.withLock { state in
                state.total += count
                let room = limit - state.kept.count
                if room > 0 { state.kept.append(contentsOf: chunk.prefix(room)) }
            }
            observer?(stream, chunk)
        }
    }
}
