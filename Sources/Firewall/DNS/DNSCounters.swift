import Synchronization

/// The forwarder's counters, shared by its event loop and its callers.
final class DNSCounters: Sendable {
    private let value = Mutex(DNSForwarder.Statistics())

    var snapshot: DNSForwarder.Statistics { value.withLock { $0 } }

    func count(_ field: WritableKeyPath<DNSForwarder.Statistics, Int>) { add(field, 1) }

    func add(_ field: WritableKeyPath<DNSForwarder.Statistics, Int>, _ amount: Int) {
        value.withLock { $0[keyPath: field] += amount }
    }
}
