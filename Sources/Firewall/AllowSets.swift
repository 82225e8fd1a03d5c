import Policy
import Synchronization

/// Feeds `allow4`/`allow6` from the DNS answers the forwarder sees: for a name some ``NameGrant`` covers, each
/// address becomes `address . protocol . port` for every port granted, with timeout max(TTL, the policy's
/// minimum). Elements are refreshed with add + delete + add in one transaction (a plain re-add keeps the old
/// expiry), and only when the new expiry is meaningfully later than the one already set.
public final class AllowSets: Sendable {
    public let nftables: Nftables
    private let state: Mutex<State>

    private struct State {
        var grants: [NameGrant]
        var minimumTTL: Duration
        /// When each element set through this object expires.
        var expiries: [String: ContinuousClock.Instant] = [:]
        /// Each learnt address: the name it answered for and until when it stays allowed.
        var learnt: [IPAddress: (name: String, until: ContinuousClock.Instant)] = [:]
    }

    public init(nftables: Nftables, grants: [NameGrant], minimumTTL: Duration) {
        self.nftables = nftables
        self.state = Mutex(State(grants: grants, minimumTTL: minimumTTL))
    }

    /// After a rule change: the names and ports that count from now on.
    public func update(grants: [NameGrant]) {
        state.withLock { $0.grants = grants }
    }

    /// Whether any grant covers `name` (lower case, no trailing dot).
    public func isAllowed(_ name: String) -> Bool {
        state.withLock { $0.grants.contains { $0.pattern.matches(name) } }
    }

    /// The name `address` was learnt for, while it is still allowed: the machine depends on it, so spoofable
    /// evidence must not get it blocked (``CriticalAddresses``).
    public func learntName(of address: IPAddress) -> String? {
        state.withLock { state in
            guard let entry = state.learnt[address], entry.until > ContinuousClock.now else { return nil }
            return entry.name
        }
    }

    /// Adds what an answer for `name` says; returns how many elements were set or refreshed in the kernel.
    @discardableResult
    public func learn(name: String, addresses: [(address: IPAddress, ttl: UInt32)]) throws(FirewallError) -> Int {
        let now = ContinuousClock.now
        let updates = state.withLock { state -> [(set: String, key: String, seconds: Int64)] in
            let grants = state.grants.filter { $0.pattern.matches(name) }
            var updates: [(String, String, Int64)] = []
            for (address, ttl) in addresses {
                let seconds = max(Int64(ttl), Int64(state.minimumTTL / .seconds(1)))
                let until = now + .seconds(seconds)
                if !grants.isEmpty, (state.learnt[address]?.until ?? now) <= until {
                    state.learnt[address] = (name, until)
                }
                // Skip when what is set already lasts nearly as long: a busy name would otherwise rewrite the
                // set on every query.
                let slack = Duration.seconds(min(30, seconds / 10))
                for grant in grants {
                    for port in grant.ports {
                        let key = "\(address) . \(grant.transport.rawValue) . \(port)"
                        if let known = state.expiries[key], known + slack >= until { continue }
                        updates.append((address.family == .v4 ? "allow4" : "allow6", key, seconds))
                    }
                }
            }
            return updates
        }
        guard !updates.isEmpty else { return 0 }
        var script = ""
        for update in updates {
            let target = "element inet aios \(update.set) { \(update.key)"
            script += "add \(target) }\ndelete \(target) }\nadd \(target) timeout \(update.seconds)s }\n"
        }
        try nftables.run(script)
        state.withLock { state in
            for update in updates { state.expiries[update.key] = now + .seconds(update.seconds) }
            if state.expiries.count > 100_000 { state.expiries = state.expiries.filter { $0.value > now } }
            if state.learnt.count > 100_000 { state.learnt = state.learnt.filter { $0.value.until > now } }
        }
        return updates.count
    }
}
