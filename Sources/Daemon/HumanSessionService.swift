import Detection
import ServiceLifecycle

/// The human session recorder for as long as the daemon runs: started with the daemon, stopped (after writing
/// what it queued) on graceful shutdown.
public struct HumanSessionService: Service {
    public let recorder: HumanSessionRecorder

    public init(recorder: HumanSessionRecorder) { self.recorder = recorder }

    public func run() async throws {
        recorder.start()
        try? await gracefulShutdown()
        recorder.stop()
    }
}
