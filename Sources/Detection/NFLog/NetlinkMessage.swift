/// Building and walking netlink messages (`nlmsghdr`, `nfgenmsg`, `nlattr`), in host byte order except where
/// netfilter says big-endian.
enum NetlinkMessage {
    static let error: UInt16 = 2
    static let overrun: UInt16 = 4

    struct Header {
        let type: UInt16
        let sequence: UInt32
        /// The offset of the payload (after the 16-byte header) and the end of this message.
        let payload: Int
        let end: Int
    }

    static func build(
        type: UInt16, flags: UInt16, sequence: UInt32, family: UInt8, resourceID: UInt16, attributes: [UInt8]
    ) -> [UInt8] {
        var out: [UInt8] = []
        let length = UInt32(16 + 4 + attributes.count)
        append(length, to: &out)
        append(type, to: &out)
        append(flags, to: &out)
        append(sequence, to: &out)
        append(UInt32(0), to: &out)
        out += [family, 0, UInt8(resourceID >> 8), UInt8(resourceID & 0xFF)]
        return out + attributes
    }

    /// One attribute, padded to four bytes.
    static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        append(UInt16(4 + payload.count), to: &out)
        append(type, to: &out)
        out += payload
        while out.count % 4 != 0 { out.append(0) }
        return out
    }

    static func bigEndian32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    /// The messages in a received datagram; a truncated or malformed one ends the walk.
    static func headers(in bytes: ArraySlice<UInt8>) -> [Header] {
        var result: [Header] = []
        var offset = bytes.startIndex
        while offset + 16 <= bytes.endIndex {
            let length = Int(uint32(bytes, at: offset))
            guard length >= 16, offset + length <= bytes.endIndex else { break }
            result.append(
                Header(
                    type: uint16(bytes, at: offset + 4), sequence: uint32(bytes, at: offset + 8), payload: offset + 16,
                    end: offset + length))
            offset += (length + 3) & ~3
        }
        return result
    }

    /// Calls `body` with each attribute's type and payload range in `range` (nested-flag bits cleared).
    static func forEachAttribute(
        _ bytes: UnsafeRawBufferPointer, in range: Range<Int>, _ body: (UInt16, Range<Int>) -> Void
    ) {
        var offset = range.lowerBound
        while offset + 4 <= range.upperBound {
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let type = bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & 0x3FFF
            guard length >= 4, offset + length <= range.upperBound else { return }
            body(type, offset + 4..<offset + length)
            offset += (length + 3) & ~3
        }
    }

    static func uint16<C: RandomAccessCollection>(_ bytes: C, at offset: C.Index) -> UInt16
    where C.Element == UInt8, C.Index == Int {
        UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    static func uint32<C: RandomAccessCollection>(_ bytes: C, at offset: C.Index) -> UInt32
    where C.Element == UInt8, C.Index == Int {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    static func int32<C: RandomAccessCollection>(_ bytes: C, at offset: C.Index) -> Int32
    where C.Element == UInt8, C.Index == Int {
        Int32(bitPattern: uint32(bytes, at: offset))
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }
}
