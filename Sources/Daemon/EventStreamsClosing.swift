import Detection
import ServiceLifecycle

/// Ends the events API's streams when the daemon shuts down. The gRPC server's graceful shutdown waits for open
/// calls, and a `WatchEvents` call lasts as long as its client wants: without this, one watching client would hold
/// the shutdown. Listed after the server, so it stops first.
struct EventStreamsClosing: Service {
    let events: EventWindow

    func run() async throws {
        try? await gracefulShutdown()
        events.close()
    }
}
