/// One NFULNL_MSG_PACKET message: its sequence number and where its payload (the packet from the network header
/// on) lies in the receive buffer.
struct NFLogPacket {
    let sequence: UInt32?
    let payload: Range<Int>?

    /// The packet messages in a datagram from the NFLOG socket; other messages are skipped.
    static func parse(_ datagram: UnsafeRawBufferPointer) -> [NFLogPacket] {
        var packets: [NFLogPacket] = []
        var offset = 0
        while offset + 20 <= datagram.count {
            let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let type = datagram.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
            guard length >= 16, offset + length <= datagram.count else { break }
            if type == 4 << 8 | 0, length >= 20 {
                var sequence: UInt32? = nil
                var payload: Range<Int>? = nil
                NetlinkMessage.forEachAttribute(datagram, in: offset + 20..<offset + length) { attribute, range in
                    switch attribute {
                    case 9: payload = range
                    case 12 where range.count >= 4:
                        sequence = (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(datagram[range.lowerBound + $1]) }
                    default: break
                    }
                }
                packets.append(NFLogPacket(sequence: sequence, payload: payload))
            }
            offset += (length + 3) & ~3
        }
        return packets
    }
}
