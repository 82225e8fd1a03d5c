import Foundation
import SecurityTesting
import Synchronization
import Testing

@testable import Detection

@Suite struct ProcConnectorTests {
    /// A child started here: its fork, exec and exit come from the kernel, with the pid posix_spawn gave.
    @Test(.requiresRoot("the proc connector needs CAP_NET_ADMIN")) func aChildsForkExecAndExitAreSeen() throws {
        let connector = try ProcConnector()
        let seen = Mutex<[ProcEvent.Kind]>([])
        let done = DispatchSemaphore(value: 0)
        Thread {
            try? connector.run { event in seen.withLock { $0.append(event.kind) } }
            done.signal()
        }.start()
        defer {
            connector.stop()
            done.wait()
        }
        var pid: pid_t = 0
        var arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { for pointer in arguments { free(pointer) } }
        #expect(posix_spawn(&pid, "/bin/true", nil, nil, &arguments, environ) == 0)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let all = eventually(5) {
            let kinds = seen.withLock { $0 }
            return kinds.contains(.fork(parent: getpid(), child: pid)) && kinds.contains(.exec(process: pid))
                && kinds.contains(.exit(process: pid))
        }
        #expect(all, "\(seen.withLock { $0.count }) events, \(connector.statistics)")
        #expect(connector.statistics.lost == 0)
    }
}
