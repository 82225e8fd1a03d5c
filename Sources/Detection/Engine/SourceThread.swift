import Foundation

/// A kernel event source's reader on a thread of its own (never Swift's cooperative pool: the reads wait in
/// `poll`): its failure is handed to `failed`, and `done` is signalled when it has ended (the caller keeps `done`
/// before the thread starts, so a stop that waits for its sources cannot miss one).
enum SourceThread {
    static func start(
        _ name: String, done: DispatchSemaphore, failed: @escaping @Sendable (DetectionError) -> Void,
        _ body: @escaping @Sendable () throws(DetectionError) -> Void
    ) {
        let thread = Thread {
            defer { done.signal() }
            do throws(DetectionError) {
                try body()
            } catch {
                failed(error)
            }
        }
        thread.name = name
        thread.start()
    }
}
