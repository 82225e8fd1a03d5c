import Foundation
import Policy
import Synchronization

/// The timed blocklist: `blocked4`/`blocked6` in the `inet aios` table, each element with its own timeout, so the
/// kernel unblocks by itself and nothing has to remember to (not even after a crash). Each call is one
/// libnftables transaction in-process; this is what the IDS calls.
public final class Blocklist: Sendable {
    public let nftables: Nftables
    /// When each address blocked through this object is unblocked: a shorter, later block must not cut a longer
    /// one (an IDS ban of 10 minutes inside an operator's ban of a day).
    private let expiries = Mutex<[IPAddress: ContinuousClock.Instant]>([:])

    public init(nftables: Nftables) {
        self.nftables = nftables
    }

    /// Blocks `address` (both directions) for `duration`, or until an earlier block of it ends if that is later.
    /// The reason is kept with the element (`firewall list` shows it).
    public func block(_ address: IPAddress, for duration: Duration, reason: String) throws(FirewallError) {
        guard duration >= .milliseconds(1), duration <= .seconds(366 * 86_400) else {
            throw .invalidInput("a block lasts from 1 ms to 366 days, not \(duration)")
        }
        let now = ContinuousClock.now
        let until = expiries.withLock { known in
            let until = max(now + duration, known[address].map { $0 > now ? $0 : now } ?? now)
            return until
        }
        let milliseconds = max(1, Int64((until - now) / .milliseconds(1)))
        let set = Self.set(for: address)
        let element = "\(address) timeout \(milliseconds)ms comment \(NftText.quoted(reason))"
        // Re-adding an element keeps its old expiry; add + delete + add (one transaction) sets the new one whether
        // or not the address was blocked already.
        try nftables.run(
            "add element inet aios \(set) { \(address) }\ndelete element inet aios \(set) { \(address) }\n"
                + "add element inet aios \(set) { \(element) }\n")
        expiries.withLock { known in
            known[address] = until
            if known.count > 100_000 { known = known.filter { $0.value > now } }
        }
    }

    /// Blocks a whole prefix (both directions) for `duration`: a client rotating its address inside the block
    /// stays blocked. A host prefix is an address block (``block(_:for:reason:)``).
    public func block(prefix: IPPrefix, for duration: Duration, reason: String) throws(FirewallError) {
        guard !prefix.isHost else { return try block(prefix.address, for: duration, reason: reason) }
        guard duration >= .milliseconds(1), duration <= .seconds(366 * 86_400) else {
            throw .invalidInput("a block lasts from 1 ms to 366 days, not \(duration)")
        }
        let set = prefix.family == .v4 ? "blockednet4" : "blockednet6"
        let milliseconds = max(1, Int64(duration / .milliseconds(1)))
        let element = "\(prefix) timeout \(milliseconds)ms comment \(NftText.quoted(reason))"
        try nftables.run(
            "add element inet aios \(set) { \(prefix) }\ndelete element inet aios \(set) { \(prefix) }\n"
                + "add element inet aios \(set) { \(element) }\n")
    }

    /// Whether `address` completed a TCP handshake with this machine within the last hour (the kernel's
    /// `proven4`/`proven6` sets): evidence its address is not forged.
    public func hasCompletedHandshake(_ address: IPAddress) -> Bool {
        let set = address.family == .v4 ? "proven4" : "proven6"
        return (try? nftables.run("get element inet aios \(set) { \(address) }")) != nil
    }

    /// Lifts a block now (nothing happens if the address is not blocked).
    public func unblock(_ address: IPAddress) throws(FirewallError) {
        let set = Self.set(for: address)
        try nftables.run(
            "add element inet aios \(set) { \(address) }\ndelete element inet aios \(set) { \(address) }\n")
        _ = expiries.withLock { $0.removeValue(forKey: address) }
    }

    /// Replaces the whole blocklist in one transaction (for a restore or a feed): no moment without it.
    public func replace(with entries: [BlockEntry]) throws(FirewallError) {
        var script = "flush set inet aios blocked4\nflush set inet aios blocked6\n"
        for family in [AddressFamily.v4, .v6] {
            let items = entries.filter { $0.address.family == family }.map { entry in
                let milliseconds = max(1, Int64(entry.remaining / .milliseconds(1)))
                let comment = entry.reason.map { " comment \(NftText.quoted($0))" } ?? ""
                return "\(entry.address) timeout \(milliseconds)ms\(comment)"
            }
            guard !items.isEmpty else { continue }
            script += "add element inet aios blocked\(family == .v4 ? "4" : "6") { "
            script += items.joined(separator: ", ") + " }\n"
        }
        try nftables.run(script)
        let now = ContinuousClock.now
        expiries.withLock { known in
            known = Dictionary(entries.map { ($0.address, now + $0.remaining) }, uniquingKeysWith: max)
        }
    }

    /// What is blocked now, with the time left and the reason.
    public func list() throws(FirewallError) -> [BlockEntry] {
        let table = FirewallTable(nftables: nftables)
        var entries: [BlockEntry] = []
        for set in ["blocked4", "blocked6"] {
            for element in try table.elements(of: set) {
                guard let address = IPAddress(element.key) else { continue }
                entries.append(
                    BlockEntry(
                        address: address, remaining: .seconds(element.expiresIn ?? 0), reason: element.comment))
            }
        }
        return entries.sorted { $0.address < $1.address }
    }

    static func set(for address: IPAddress) -> String { address.family == .v4 ? "blocked4" : "blocked6" }
}

/// One blocked address.
public struct BlockEntry: Hashable, Sendable {
    public let address: IPAddress
    /// Time left (whole seconds when read back from the kernel).
    public let remaining: Duration
    public let reason: String?

    public init(address: IPAddress, remaining: Duration, reason: String?) {
        self.address = address
        self.remaining = remaining
        self.reason = reason
    }
}
