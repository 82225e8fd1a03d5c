/// One event read from a fanotify group in FAN_REPORT_DFID_NAME mode: what happened (`mask`), who did it
/// (`pid`, the process's tgid), and where (the directory's file handle and the entry's name). Parsed from the
/// kernel's bytes with every length checked against what was read: a short or inconsistent record ends the
/// parse of its buffer, never a read past it.
public struct FanotifyEvent: Sendable, Equatable {
    public var mask: UInt64
    public var pid: Int32
    /// The directory records (DFID_NAME, and DFID or FID for events without a name).
    public var records: [Record]

    public struct Record: Sendable, Equatable {
        public var type: UInt8
        /// The file system's id (`__kernel_fsid_t`), as one number.
        public var fsid: UInt64
        public var handleType: Int32
        public var handle: [UInt8]
        /// The entry's name (empty when the record has none; `.` for an event on the directory itself).
        public var name: [UInt8]
    }

    /// FANOTIFY_METADATA_VERSION.
    public static let version: UInt8 = 3
    static let metadataSize = 24
    public static let overflow: UInt64 = 0x0000_4000

    public var isOverflow: Bool { mask & Self.overflow != 0 }

    /// Every complete event in `bytes` (one `read` of the group), in order.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> [FanotifyEvent] {
        var events: [FanotifyEvent] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= metadataSize {
            let length = Int(bytes.loadUInt32(at: offset))
            let metadataLength = Int(bytes.loadUInt16(at: offset + 6))
            guard bytes[offset + 4] == version, length >= metadataSize, metadataLength >= metadataSize,
                metadataLength <= length, length <= bytes.endIndex - offset
            else { break }
            var event = FanotifyEvent(
                mask: bytes.loadUInt64(at: offset + 8), pid: Int32(bitPattern: bytes.loadUInt32(at: offset + 20)),
                records: [])
            var info = offset + metadataLength
            let end = offset + length
            while end - info >= 4 {
                let recordLength = Int(bytes.loadUInt16(at: info + 2))
                guard recordLength >= 4, recordLength <= end - info else { break }
                if let record = Record(bytes[info..<(info + recordLength)]) { event.records.append(record) }
                info += recordLength
            }
            events.append(event)
            offset = end
        }
        return events
    }
}

extension FanotifyEvent.Record {
    /// FAN_EVENT_INFO_TYPE_FID, DFID_NAME, DFID, OLD_DFID_NAME, NEW_DFID_NAME: the records carrying a handle.
    static let handleTypes: Set<UInt8> = [1, 2, 3, 10, 12]
    static let namedTypes: Set<UInt8> = [2, 10, 12]

    /// Header (4), fsid (8), `struct file_handle` (8 + handle_bytes), then for the named types a NUL-terminated
    /// name up to the record's end.
    init?(_ bytes: ArraySlice<UInt8>) {
        let start = bytes.startIndex
        guard Self.handleTypes.contains(bytes[start]), bytes.count >= 20 else { return nil }
        let handleBytes = Int(bytes.loadUInt32(at: start + 12))
        guard handleBytes <= bytes.count - 20 else { return nil }
        type = bytes[start]
        fsid = UInt64(bytes.loadUInt32(at: start + 4)) | UInt64(bytes.loadUInt32(at: start + 8)) << 32
        handleType = Int32(bitPattern: bytes.loadUInt32(at: start + 16))
        handle = Array(bytes[(start + 20)..<(start + 20 + handleBytes)])
        let rest = bytes[(start + 20 + handleBytes)...]
        name = Self.namedTypes.contains(type) ? Array(rest.prefix { $0 != 0 }) : []
    }
}

/// One event read from an inotify descriptor (`struct inotify_event`).
public struct InotifyEvent: Sendable, Equatable {
    public var watch: Int32
    public var mask: UInt32
    public var cookie: UInt32
    /// The entry's name in the watched directory (empty for an event on the watched object itself).
    public var name: [UInt8]

    public static let overflow: UInt32 = 0x0000_4000
    public var isOverflow: Bool { mask & Self.overflow != 0 }

    /// Every complete event in `bytes`, in order; a record that claims more bytes than were read ends the parse.
    public static func parse(_ bytes: ArraySlice<UInt8>) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 16 {
            let length = Int(bytes.loadUInt32(at: offset + 12))
            guard length <= bytes.endIndex - offset - 16 else { break }
            let name = bytes[(offset + 16)..<(offset + 16 + length)]
            events.append(
                InotifyEvent(
                    watch: Int32(bitPattern: bytes.loadUInt32(at: offset)), mask: bytes.loadUInt32(at: offset + 4),
                    cookie: bytes.loadUInt32(at: offset + 8), name: Array(name.prefix { $0 != 0 })))
            offset += 16 + length
        }
        return events
    }
}

extension ArraySlice<UInt8> {
    /// Little-endian loads at absolute indices (the caller has checked the bounds).
    fileprivate func loadUInt16(at index: Int) -> UInt16 { UInt16(self[index]) | UInt16(self[index + 1]) << 8 }
    fileprivate func loadUInt32(at index: Int) -> UInt32 {
        UInt32(loadUInt16(at: index)) | UInt32(loadUInt16(at: index + 2)) << 16
    }
    fileprivate func loadUInt64(at index: Int) -> UInt64 {
        UInt64(loadUInt32(at: index)) | UInt64(loadUInt32(at: index + 4)) << 32
    }
}
