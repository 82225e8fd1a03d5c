import Policy

/// The two address families the `inet aios` table keeps apart (`ip`/`ip6`, `…4`/`…6` sets).
public enum AddressFamily: Sendable, Hashable {
    case v4, v6

    /// The nft payload keyword: `ip` or `ip6`.
    var keyword: String { self == .v4 ? "ip" : "ip6" }
    /// The suffix of the table's per-family sets.
    var suffix: String { self == .v4 ? "4" : "6" }
}

extension IPAddress {
    public var family: AddressFamily { isIPv4 ? .v4 : .v6 }
}

extension IPPrefix {
    public var family: AddressFamily { address.family }
    /// As nft prints it: a host prefix is the bare address.
    var nftText: String { isHost ? address.description : description }
}
