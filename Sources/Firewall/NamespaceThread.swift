import CNftables
import Foundation
import Synchronization

/// A thread that lives in one network namespace and runs the closures handed to it, one at a time, in order.
/// Everything that must act in the namespace (libnftables, creating sockets) goes through ``run(_:)``. The thread
/// ends when this object goes away (and a `.fresh` namespace with it, once no socket holds it).
public final class NamespaceThread: Sendable {
    public let namespace: NetworkNamespace
    /// A path other threads can `setns` to: `/proc/PID/task/TID/ns/net` of this thread.
    public let namespacePath: String
    private let queue = JobQueue()
    private let threadID: pid_t

    public init(_ namespace: NetworkNamespace) throws(FirewallError) {
        self.namespace = namespace
        let started = Mutex<(code: Int32, tid: pid_t)?>(nil)
        let ready = DispatchSemaphore(value: 0)
        let thread = Thread { [queue] in
            let code = Self.enter(namespace)
            started.withLock { $0 = (code, aios_gettid()) }
            ready.signal()
            if code == 0 { queue.serve() }
        }
        thread.name = "aios-netns"
        thread.start()
        ready.wait()
        let (code, tid) = started.withLock { $0 }!
        guard code == 0 else {
            throw .unavailable("cannot enter \(namespace): \(String(cString: strerror(-code)))")
        }
        threadID = tid
        namespacePath = "/proc/\(getpid())/task/\(tid)/ns/net"
    }

    deinit { queue.stop() }

    /// Runs `body` on the namespace's thread and waits for it.
    public func run<T>(_ body: () -> T) -> T {
        if aios_gettid() == threadID { return body() }
        return withoutActuallyEscaping(body) { body in
            let job = Job(body)
            queue.add { job.perform() }
            job.done.wait()
            return job.value!
        }
    }

    /// Starts a detached thread that first enters this namespace (for long-running loops such as a server).
    public func detach(name: String, _ body: @escaping @Sendable () -> Void) {
        let path = namespacePath
        let entering = namespace != .current
        let thread = Thread {
            if entering, aios_netns_enter(path) != 0 { return }
            body()
        }
        thread.name = name
        thread.start()
    }

    private static func enter(_ namespace: NetworkNamespace) -> Int32 {
        switch namespace {
        case .current: return 0
        case .named(let name):
            guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { return -EINVAL }
            return aios_netns_enter("/run/netns/" + name)
        case .fresh: return aios_netns_unshare()
        case .process(let pid): return pid > 0 ? aios_netns_enter("/proc/\(pid)/ns/net") : -EINVAL
        }
    }
}

/// The jobs of one ``NamespaceThread``; the thread holds this, not its owner, so the owner can go away.
private final class JobQueue: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [() -> Void] = []
    private var stopping = false

    func add(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    func serve() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if stopping && jobs.isEmpty {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

/// One call of ``NamespaceThread/run(_:)``: the closure is dropped before the caller is woken, since the caller's
/// closure must not outlive its call.
private final class Job<T>: @unchecked Sendable {
    private var body: (() -> T)?
    var value: T?
    let done = DispatchSemaphore(value: 0)

    init(_ body: @escaping () -> T) {
        self.body = body
    }

    func perform() {
        value = body?()
        body = nil
        done.signal()
    }
}
