import Audit
import Foundation
import Synchronization

/// A ledger query read on its own thread and handed over in batches, with back-pressure: the reader waits until the
/// consumer has written the batches it holds, so memory stays at two batches whatever the result's size. When the
/// consumer stops (the client went away), ``finish()`` lets the reader stop at its next entry.
public final class AuditQueryStream: Sendable {
    static let batchSize = 256
    public let batches: AsyncThrowingStream<[String], any Error>
    private let permits = DispatchSemaphore(value: 2)
    private let stopped = Mutex(false)

    init(reader: LedgerReader, query: AuditQuery) {
        let (batches, continuation) = AsyncThrowingStream<[String], any Error>.makeStream()
        self.batches = batches
        let permits = self.permits
        Thread { [self] in
            var batch: [String] = []
            do {
                try reader.entries(matching: query) { entry in
                    batch.append(entry.json)
                    guard batch.count == Self.batchSize else { return true }
                    permits.wait()
                    if self.stopped.withLock({ $0 }) { return false }
                    continuation.yield(batch)
                    batch.removeAll(keepingCapacity: true)
                    return true
                }
                if !batch.isEmpty { continuation.yield(batch) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }.start()
    }

    /// The consumer wrote a batch: the reader may read one more.
    public func consumed() { permits.signal() }

    /// The consumer is done (or gone): the reader stops.
    public func finish() {
        stopped.withLock { $0 = true }
        permits.signal()
        permits.signal()
    }
}
