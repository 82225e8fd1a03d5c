import Foundation
import NIOCore
import Testing

@testable import Daemon

@Suite("Connection caps: per source and in total, counted as connections open and close")
struct ConnectionLimitsTests {
    @Test("a source at its cap is refused while others are admitted; the total cap covers everyone")
    func caps() {
        let counts = ConnectionCounts(limits: ConnectionLimits(total: 5, perSource: 2))
        #expect(counts.admit(source: "ipv4:127.0.0.2") == nil)
        #expect(counts.admit(source: "ipv4:127.0.0.2") == nil)
        #expect(counts.admit(source: "ipv4:127.0.0.2") == .perSource)
        #expect(counts.admit(source: "ipv4:127.0.0.3") == nil)
        #expect(counts.admit(source: nil) == nil, "a Unix-socket peer counts toward the total only")
        #expect(counts.admit(source: nil) == nil)
        #expect(counts.admit(source: "ipv4:127.0.0.1") == .total)
        #expect(counts.open == 5)
        counts.release(source: "ipv4:127.0.0.2")
        #expect(counts.admit(source: "ipv4:127.0.0.1") == nil, "a closed connection frees its slot")
        #expect(counts.admit(source: "ipv4:127.0.0.2") == .total)
    }

    @Test("IPv4 peers are counted per address, IPv6 peers per /64; the peer text is what gRPC and the IDS read")
    func sources() throws {
        let v4 = PeerSource(try SocketAddress(ipAddress: "198.51.100.7", port: 40000))
        #expect(v4.key == "ipv4:198.51.100.7" && v4.peer == "ipv4:198.51.100.7:40000")
        let v6 = PeerSource(try SocketAddress(ipAddress: "2001:db8:0:1:aaaa::5", port: 443))
        let sibling = PeerSource(try SocketAddress(ipAddress: "2001:db8:0:1:bbbb::9", port: 443))
        #expect(v6.key == "ipv6:2001:db8:0:1::/64" && v6.key == sibling.key)
        #expect(v6.peer == "ipv6:[2001:db8:0:1:aaaa::5]:443")
        #expect(PeerSource(nil).key == nil)
        // An IPv4 peer of a dual-stack socket is its IPv4 address, not one /64 shared by every IPv4 client.
        let mapped = PeerSource(try SocketAddress(ipAddress: "::ffff:198.51.100.7", port: 40000))
        #expect(mapped.key == "ipv4:198.51.100.7" && mapped.peer == "ipv4:198.51.100.7:40000")
        let other = PeerSource(try SocketAddress(ipAddress: "::ffff:198.51.100.8", port: 40000))
        #expect(other.key != mapped.key)
        #expect(IdentityInterceptor.sourceAddress(ofPeer: "ipv4:203.0.113.5:40000") == "ipv4:203.0.113.5")
        #expect(IdentityInterceptor.sourceAddress(ofPeer: "ipv6:[::1]:4") == "ipv6:[::1]")
        #expect(IdentityInterceptor.sourceAddress(ofPeer: "unix:/run/aios.sock") == "unix:/run/aios.sock")
    }

    @Test("the total cap is lowered to what the descriptor limit leaves")
    func descriptorLimit() {
        var limit = rlimit()
        let fitted = ConnectionLimits(total: 10_000_000, perSource: 10_000_000).fittingDescriptorLimit(reserve: 128)
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        #expect(fitted.total == Int(limit.rlim_cur) - 128 && fitted.perSource == fitted.total)
    }
}
