import Capabilities
import Policy

/// Reads the IP and TCP/UDP headers at the start of an NFLOG payload (the packet from its network header on).
enum PacketHeader {
    /// The inbound connection attempt the packet is: a TCP SYN without ACK, or a UDP datagram. Nil for anything
    /// else, for later fragments and for truncated headers.
    static func attempt(_ packet: UnsafeRawBufferPointer, time: Timestamp) -> ConnectionAttempt? {
        guard packet.count >= 1 else { return nil }
        switch packet[0] >> 4 {
        case 4:
            guard packet.count >= 20 else { return nil }
            let headerLength = Int(packet[0] & 0x0F) * 4
            let fragmentOffset = (UInt16(packet[6]) << 8 | UInt16(packet[7])) & 0x1FFF
            guard headerLength >= 20, fragmentOffset == 0 else { return nil }
            let source = IPAddress(ipv4: bigEndian32(packet, 12))
            let destination = IPAddress(ipv4: bigEndian32(packet, 16))
            return transport(packet, protocol: packet[9], at: headerLength, source, destination, time)
        case 6:
            guard packet.count >= 40 else { return nil }
            let source = IPAddress(ipv6Bytes: UnsafeRawBufferPointer(rebasing: packet[8..<24]))
            let destination = IPAddress(ipv6Bytes: UnsafeRawBufferPointer(rebasing: packet[24..<40]))
            var next = packet[6]
            var offset = 40
            // Hop-by-hop, routing and destination options precede the transport header; a fragment header
            // with a non-zero offset means there is no transport header here.
            while [0, 43, 60, 44].contains(next) {
                guard offset + 8 <= packet.count else { return nil }
                if next == 44 {
                    guard (UInt16(packet[offset + 2]) << 8 | UInt16(packet[offset + 3])) & 0xFFF8 == 0 else {
                        return nil
                    }
                    next = packet[offset]
                    offset += 8
                } else {
                    next = packet[offset]
                    offset += (Int(packet[offset + 1]) + 1) * 8
                }
            }
            return transport(packet, protocol: next, at: offset, source, destination, time)
        default:
            return nil
        }
    }

    private static func transport(
        _ packet: UnsafeRawBufferPointer, protocol number: UInt8, at offset: Int, _ source: IPAddress,
        _ destination: IPAddress, _ time: Timestamp
    ) -> ConnectionAttempt? {
        let kind: ConnectionAttempt.Transport
        switch number {
        case 6:
            guard offset + 14 <= packet.count else { return nil }
            let flags = packet[offset + 13]
            guard flags & 0x02 != 0, flags & 0x10 == 0 else { return nil }
            kind = .tcp
        case 17:
            guard offset + 4 <= packet.count else { return nil }
            kind = .udp
        default:
            return nil
        }
        return ConnectionAttempt(
            transport: kind, source: source, sourcePort: bigEndian16(packet, offset), destination: destination,
            destinationPort: bigEndian16(packet, offset + 2), time: time)
    }

    private static func bigEndian16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    private static func bigEndian32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bigEndian16(bytes, offset)) << 16 | UInt32(bigEndian16(bytes, offset + 2))
    }
}
