import Policy

/// Reads ctnetlink event messages (`linux/netfilter/nfnetlink_conntrack.h`). Every length is checked against the
/// datagram: a short, foreign or malformed message is skipped and counted, never read past.
public enum ConntrackParser {
    /// `NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW` and `… | IPCTNL_MSG_CT_DELETE`.
    static let newType: UInt16 = 1 << 8 | 0
    static let deleteType: UInt16 = 1 << 8 | 2

    public struct Result: Sendable {
        public var events: [ConntrackEvent] = []
        /// Conntrack messages that could not be read (no original tuple, a bad address length, mixed families).
        public var malformed = 0
    }

    public static func parse(_ datagram: UnsafeRawBufferPointer) -> Result {
        var result = Result()
        var offset = 0
        while offset + 16 <= datagram.count {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let type = datagram.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            guard length >= 16, offset + length <= datagram.count else { break }
            if type == newType || type == deleteType {
                if length >= 20, let event = event(datagram, offset + 20..<offset + length, new: type == newType) {
                    result.events.append(event)
                } else {
                    result.malformed += 1
                }
            }
            offset += (length + 3) & ~3
        }
        return result
    }

    private static func event(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, new: Bool) -> ConntrackEvent? {
        var tuple: Tuple?
        var id: UInt32?
        var original: ConntrackEvent.Counters?
        var reply: ConntrackEvent.Counters?
        NetlinkMessage.forEachAttribute(bytes, in: range) { type, payload in
            switch type {
            case 1: tuple = Tuple.parse(bytes, payload)  // CTA_TUPLE_ORIG
            case 12 where payload.count >= 4: id = bigEndian(bytes, payload.lowerBound, 4).map(UInt32.init)  // CTA_ID
            case 9: original = counters(bytes, payload)  // CTA_COUNTERS_ORIG
            case 10: reply = counters(bytes, payload)  // CTA_COUNTERS_REPLY
            default: break
            }
        }
        guard let tuple, let source = tuple.source, let destination = tuple.destination, let number = tuple.number,
            source.isIPv4 == destination.isIPv4
        else { return nil }
        let both = original.map { original in
            ConntrackEvent.Counters(
                packets: original.packets &+ (reply?.packets ?? 0), bytes: original.bytes &+ (reply?.bytes ?? 0))
        }
        return ConntrackEvent(
            kind: new ? .new : .destroy, ipProtocol: number, source: source, destination: destination,
            sourcePort: tuple.sourcePort, destinationPort: tuple.destinationPort, id: id, counters: both)
    }

    /// CTA_TUPLE_IP (addresses) and CTA_TUPLE_PROTO (protocol and ports) of one tuple.
    private struct Tuple {
        var source: IPAddress?
        var destination: IPAddress?
        var number: UInt8?
        var sourcePort: UInt16 = 0
        var destinationPort: UInt16 = 0

        static func parse(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Tuple {
            var tuple = Tuple()
            NetlinkMessage.forEachAttribute(bytes, in: range) { type, payload in
                switch type {
                case 1:
                    NetlinkMessage.forEachAttribute(bytes, in: payload) { kind, value in
                        let address = ConntrackParser.address(bytes, value, ipv6: kind >= 3)
                        if kind == 1 || kind == 3 { tuple.source = address }
                        if kind == 2 || kind == 4 { tuple.destination = address }
                    }
                case 2:
                    NetlinkMessage.forEachAttribute(bytes, in: payload) { kind, value in
                        switch kind {
                        case 1 where value.count >= 1: tuple.number = bytes[value.lowerBound]
                        case 2 where value.count >= 2: tuple.sourcePort = UInt16(bigEndian(bytes, value.lowerBound, 2)!)
                        case 3 where value.count >= 2:
                            tuple.destinationPort = UInt16(bigEndian(bytes, value.lowerBound, 2)!)
                        default: break
                        }
                    }
                default: break
                }
            }
            return tuple
        }
    }

    private static func address(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, ipv6: Bool) -> IPAddress? {
        if ipv6 {
            guard range.count == 16 else { return nil }
            return IPAddress(ipv6Bytes: bytes[range])
        }
        guard range.count == 4, let value = bigEndian(bytes, range.lowerBound, 4) else { return nil }
        return IPAddress(ipv4: UInt32(value))
    }

    /// CTA_COUNTERS_PACKETS and CTA_COUNTERS_BYTES (big-endian 64-bit).
    private static func counters(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> ConntrackEvent.Counters? {
        var packets: UInt64?
        var octets: UInt64?
        NetlinkMessage.forEachAttribute(bytes, in: range) { type, value in
            guard value.count == 8 else { return }
            if type == 1 { packets = bigEndian(bytes, value.lowerBound, 8) }
            if type == 2 { octets = bigEndian(bytes, value.lowerBound, 8) }
        }
        guard let packets, let octets else { return nil }
        return ConntrackEvent.Counters(packets: packets, bytes: octets)
    }

    private static func bigEndian(_ bytes: UnsafeRawBufferPointer, _ offset: Int, _ count: Int) -> UInt64? {
        guard offset >= 0, offset + count <= bytes.count else { return nil }
        return (0..<count).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[offset + $1]) }
    }
}
