import Capabilities
import Policy
import Testing

@testable import Detection

@Suite struct NFLogParsingTests {
    /// An NFULNL_MSG_PACKET message as the kernel sends it: nfgenmsg, then PACKET_HDR, SEQ and PAYLOAD.
    func message(payload: [UInt8], sequence: UInt32) -> [UInt8] {
        let attributes =
            NetlinkMessage.attribute(1, [0x08, 0x00, 1, 0])
            + NetlinkMessage.attribute(12, NetlinkMessage.bigEndian32(sequence))
            + NetlinkMessage.attribute(9, payload)
        return NetlinkMessage.build(
            type: 4 << 8, flags: 0, sequence: 0, family: 2, resourceID: 5, attributes: attributes)
    }

    let ipv4SYN: [UInt8] =
        [0x45, 0, 0, 60, 0, 1, 0x40, 0, 64, 6, 0, 0, 198, 51, 100, 7, 192, 0, 2, 1]
        + [0x9C, 0x40, 0, 23, 0, 0, 0, 1, 0, 0, 0, 0, 0xA0, 0x02, 0xFF, 0xFF]

    @Test func packetsYieldTheirSequenceAndAttempt() throws {
        let datagram = message(payload: ipv4SYN, sequence: 7) + message(payload: ipv4SYN, sequence: 9)
        try datagram.withUnsafeBytes { raw in
            let packets = NFLogPacket.parse(raw)
            #expect(packets.map(\.sequence) == [7, 9])
            let payload = try #require(packets.first?.payload)
            let attempt = try #require(
                PacketHeader.attempt(UnsafeRawBufferPointer(rebasing: raw[payload]), time: .seconds(1)))
            #expect(attempt.description == "tcp 198.51.100.7:40000 -> 192.0.2.1:23")
        }
        var sequence = SequenceState()
        #expect([7, 9, 10, 14].map { sequence.observe($0) } == [0, 1, 0, 3])
    }

    @Test func ipv6SYNBehindAnExtensionHeader() throws {
        var packet: [UInt8] = [0x60, 0, 0, 0, 0, 28, 0, 64]
        packet += [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [9]
        packet += [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1]
        packet += [6, 0, 1, 4, 0, 0, 0, 0]  // destination options, then TCP
        packet += [0x9C, 0x41, 0x01, 0xBB, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xFF, 0xFF]
        let attempt = try packet.withUnsafeBytes { try #require(PacketHeader.attempt($0, time: .seconds(1))) }
        #expect(attempt.description == "tcp [2001:db8::9]:40001 -> [2001:db8::1]:443")
    }

    @Test func synAckAndTruncatedPacketsAreNoAttempts() {
        var synAck = ipv4SYN
        synAck[33] = 0x12
        for packet in [synAck, Array(ipv4SYN.prefix(30)), [0x45], [], [0x75, 1, 2]] {
            packet.withUnsafeBytes { #expect(PacketHeader.attempt($0, time: .seconds(1)) == nil) }
        }
        let garbage: [UInt8] = [255, 255, 255, 255, 0, 4, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
        garbage.withUnsafeBytes { #expect(NFLogPacket.parse($0).isEmpty) }
    }
}
