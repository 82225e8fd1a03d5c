import Detection
import Foundation
import ServiceLifecycle

/// The connection monitor for as long as the daemon runs, on a thread of its own; on graceful shutdown it stops
/// and records the minute in progress before the ledger closes.
public struct ConnectionAuditService: Service {
    public let monitor: ConnectionMonitor

    public init(monitor: ConnectionMonitor) { self.monitor = monitor }

    public func run() async throws {
        let finished = DispatchSemaphore(value: 0)
        let monitor = self.monitor
        let thread = Thread {
            do {
                try monitor.run()
            } catch {
                FileHandle.standardError.write(Data("aios-sec: connection audit stopped: \(error)\n".utf8))
            }
            finished.signal()
        }
        thread.name = "aios-connections"
        thread.start()
        try? await gracefulShutdown()
        monitor.stop()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                finished.wait()
                continuation.resume()
            }
        }
    }
}
