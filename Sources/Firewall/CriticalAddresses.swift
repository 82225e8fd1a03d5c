import Foundation
import Policy
import Synchronization

/// The addresses the machine depends on: the upstream DNS servers, the gateways of its routes, the destinations
/// learnt from allowed names' answers, the management subnets and loopback. Evidence anyone can forge (a SYN with
/// any source address) must not get these blocked — one spoofed scan would otherwise cut every name lookup — so
/// the IDS asks here before it blocks (issue 14).
public final class CriticalAddresses: Sendable {
    private let servers: Set<IPAddress>
    private let subnets: [IPPrefix]
    private let allowSets: AllowSets?
    private let thread: NamespaceThread?
    /// The gateways as last read, and when: routes change rarely, and a flood must not re-read them per event.
    private let gateways = Mutex<(addresses: Set<IPAddress>, readAt: ContinuousClock.Instant?)>(([], nil))

    /// `thread` is the namespace the routes are read in (nil: this process's own, for tests without one).
    public init(policy: FirewallPolicy, allowSets: AllowSets?, thread: NamespaceThread?) {
        servers = Set(policy.dns.servers + [policy.dns.listen])
        subnets = IPPrefix.loopback + policy.management
        self.allowSets = allowSets
        self.thread = thread
    }

    /// Why `address` must not be blocked on spoofable evidence, or nil.
    public func reason(for address: IPAddress) -> String? {
        if servers.contains(address) { return "a DNS server" }
        if subnets.contains(where: { $0.contains(address) }) { return "in a management subnet or loopback" }
        if currentGateways().contains(address) { return "a gateway" }
        if let name = allowSets?.learntName(of: address) { return "a learnt address of the allowed name \(name)" }
        return nil
    }

    private func currentGateways() -> Set<IPAddress> {
        let now = ContinuousClock.now
        if let cached = gateways.withLock({ $0.readAt.map { now - $0 < .seconds(10) } ?? false ? $0.addresses : nil }) {
            return cached
        }
        let read = { RouteTable.gateways() }
        let addresses = Set(thread?.run(read) ?? read())
        gateways.withLock { $0 = (addresses, now) }
        return addresses
    }
}

/// The kernel's routing table as `/proc/thread-self/net` shows it to the calling thread's namespace.
enum RouteTable {
    static func gateways() -> [IPAddress] {
        let v4 = (try? String(contentsOfFile: "/proc/thread-self/net/route", encoding: .utf8)) ?? ""
        let v6 = (try? String(contentsOfFile: "/proc/thread-self/net/ipv6_route", encoding: .utf8)) ?? ""
        return gateways(ipv4: v4, ipv6: v6)
    }

    /// IPv4: the `Gateway` column (a little-endian hex word) of routes with the gateway flag; IPv6: every
    /// non-zero next hop.
    static func gateways(ipv4: String, ipv6: String) -> [IPAddress] {
        var found: [IPAddress] = []
        for line in ipv4.split(separator: "\n").dropFirst() {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count > 3, let word = UInt32(fields[2], radix: 16), let flags = UInt32(fields[3], radix: 16),
                flags & 0x2 != 0, word != 0
            else { continue }
            found.append(IPAddress(ipv4: UInt32(bigEndian: word)))
        }
        for line in ipv6.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 4, fields[4].count == 32, fields[4].contains(where: { $0 != "0" }) else { continue }
            let text = fields[4]
            var bytes: [UInt8] = []
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                guard let byte = UInt8(text[index..<next], radix: 16) else { break }
                bytes.append(byte)
                index = next
            }
            if bytes.count == 16 { found.append(IPAddress(ipv6Bytes: bytes)) }
        }
        return found
    }
}
