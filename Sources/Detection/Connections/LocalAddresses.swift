import Policy
import Synchronization

/// This network namespace's own addresses (every interface's, loopback included), read again at most every
/// `refresh`: a connection's direction is whether its ends are among them.
public final class LocalAddresses: Sendable {
    private let cache: Mutex<(addresses: Set<IPAddress>, readAt: ContinuousClock.Instant?)> = Mutex(([], nil))
    private let refresh: Duration

    public init(refresh: Duration = .seconds(10)) {
        self.refresh = refresh
    }

    public func contains(_ address: IPAddress) -> Bool {
        if address.isLoopback { return true }
        return cache.withLock { cache in
            let now = ContinuousClock.now
            if cache.readAt.map({ now - $0 > refresh }) ?? true {
                cache.addresses = IPAddress.interfaceAddresses()
                cache.readAt = now
            }
            return cache.addresses.contains(address)
        }
    }
}
