import Testing

@testable import Detection

/// The kernel's event bytes, made by hand as the kernel lays them out (little-endian), and cut or corrupted.
@Suite("FIM event parsers")
struct FIMEventParserTests {
    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// One fanotify event with a DFID_NAME record for `name`.
    static func fanotifyEvent(mask: UInt64, pid: Int32, name: [UInt8], handle: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8])
        -> [UInt8]
    {
        var record: [UInt8] = [2, 0, 0, 0] + le(UInt32(0x1234)) + le(UInt32(0x5678))
        record += le(UInt32(handle.count)) + le(Int32(1)) + handle + name + [0]
        while record.count % 4 != 0 { record.append(0) }
        record[2] = UInt8(record.count & 0xFF)
        record[3] = UInt8(record.count >> 8)
        var event = le(UInt32(24 + record.count)) + [3, 0] + le(UInt16(24)) + le(mask) + le(Int32(-1)) + le(pid)
        event += record
        return event
    }

    @Test("a DFID_NAME event gives its mask, pid, file system, handle and name")
    func fanotifyEvent() {
        let bytes = Self.fanotifyEvent(mask: 0x102, pid: 4242, name: Array("passwd".utf8))
        let events = FanotifyEvent.parse(bytes[...])
        #expect(events.count == 1)
        #expect(events.first?.mask == 0x102)
        #expect(events.first?.pid == 4242)
        #expect(events.first?.records.first?.name == Array("passwd".utf8))
        #expect(events.first?.records.first?.fsid == 0x5678_0000_1234)
        #expect(events.first?.records.first?.handle == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(WatchEvents.fanotify(0x102) == ["create", "modify"])
    }

    @Test("an overflow event (no records) is an overflow")
    func fanotifyOverflow() {
        let bytes =
            Self.le(UInt32(24)) + [3, 0] + Self.le(UInt16(24)) + Self.le(UInt64(0x4000)) + Self.le(Int32(-1))
            + Self.le(Int32(0))
        #expect(FanotifyEvent.parse(bytes[...]).map(\.isOverflow) == [true])
    }

    @Test("cut, inflated or wrong-version events end the parse instead of reading past the bytes")
    func fanotifyBadLengths() {
        let good = Self.fanotifyEvent(mask: 2, pid: 1, name: Array("x".utf8))
        for cut in 0..<good.count { #expect(FanotifyEvent.parse(good[0..<cut]).isEmpty) }
        var inflated = good
        inflated[0] = 0xFF
        #expect(FanotifyEvent.parse(inflated[...]).isEmpty)
        var version = good
        version[4] = 2
        #expect(FanotifyEvent.parse(version[...]).isEmpty)
        var handle = good
        handle[24 + 12] = 0xFF  // handle_bytes beyond the record
        #expect(FanotifyEvent.parse(handle[...]).first?.records == [])
        #expect(FanotifyEvent.parse((good + good)[...]).count == 2)
    }

    @Test("inotify events, an overflow, and a name that claims more than was read")
    func inotify() {
        let name: [UInt8] = Array("shadow".utf8) + [0, 0]
        let event = Self.le(Int32(3)) + Self.le(UInt32(0x2)) + Self.le(UInt32(0)) + Self.le(UInt32(name.count)) + name
        let overflow = Self.le(Int32(-1)) + Self.le(UInt32(0x4000)) + Self.le(UInt32(0)) + Self.le(UInt32(0))
        let events = InotifyEvent.parse((event + overflow)[...])
        #expect(events.map(\.name) == [Array("shadow".utf8), []])
        #expect(events.map(\.isOverflow) == [false, true])
        #expect(InotifyEvent.parse(event.dropLast()).isEmpty)
    }
}
