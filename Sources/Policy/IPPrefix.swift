/// An address block: `10.0.0.0/8`, `2001:db8::/32`, or one address (`192.0.2.7` is `/32`, an IPv6 address `/128`).
/// Host bits must be zero, so a written prefix means exactly one block.
public struct IPPrefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    /// The prefix length in the address's own family (0–32 for IPv4, 0–128 for IPv6).
    public let length: Int

    /// Nil when the text is not an address, the length is out of range, or host bits are set.
    public init?(_ text: String) {
        guard let prefix = try? IPPrefix(parsing: text) else { return nil }
        self = prefix
    }

    /// Parses a prefix; the error says what is wrong with it.
    public init(parsing text: String) throws(IPPrefixError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else {
            throw IPPrefixError("'\(text)' is not an IPv4 or IPv6 address or prefix")
        }
        let maximum = address.isIPv4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard let written = Int(parts[1]), (0...maximum).contains(written),
                parts[1].allSatisfy({ $0.isASCII && $0.isNumber })
            else { throw IPPrefixError("'\(text)': the prefix length must be a number from 0 to \(maximum)") }
            length = written
        }
        self.init(address: address, length: length)
        guard Self.masked(address, bits: mappedLength) == address else {
            let base = Self.masked(address, bits: mappedLength)
            throw IPPrefixError("'\(text)' has host bits set (the block is \(base)/\(length))")
        }
    }

    private init(address: IPAddress, length: Int) {
        self.address = address
        self.length = length
    }

    /// The block of one address (`/32` or `/128`).
    public init(host: IPAddress) { self.init(address: host, length: host.isIPv4 ? 32 : 128) }

    /// The `length`-bit block `address` lies in (the length clamped to the family's range).
    public init(covering address: IPAddress, length: Int) {
        let length = max(0, min(length, address.isIPv4 ? 32 : 128))
        let mapped = address.isIPv4 ? 96 + length : length
        self.init(address: Self.masked(address, bits: mapped), length: length)
    }

    /// Whether `candidate` lies in this block (never for an address of the other family).
    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.isIPv4 == address.isIPv4 else { return false }
        return Self.masked(candidate, bits: mappedLength) == address
    }

    public var description: String { "\(address)/\(length)" }

    /// Whether the block is one address.
    public var isHost: Bool { length == (address.isIPv4 ? 32 : 128) }

    /// Whether the two blocks share an address (one then contains the other).
    public func overlaps(_ other: IPPrefix) -> Bool { contains(other.address) || other.contains(address) }

    public static func < (lhs: IPPrefix, rhs: IPPrefix) -> Bool {
        (lhs.address, lhs.length) < (rhs.address, rhs.length)
    }

    /// The length within the 128-bit value (an IPv4 /8 covers the 96 mapped bits too).
    private var mappedLength: Int { address.isIPv4 ? 96 + length : length }

    private static func masked(_ value: IPAddress, bits: Int) -> IPAddress {
        func mask(_ bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        return IPAddress(high: value.high & mask(bits), low: value.low & mask(bits - 64))
    }

    /// Loopback, both families: never blocked, since blocking it would cut the machine off from itself.
    public static let loopback: [IPPrefix] = [IPPrefix("127.0.0.0/8")!, IPPrefix("::1")!]
}

/// Why a text is not an address block (or host pattern).
public struct IPPrefixError: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
