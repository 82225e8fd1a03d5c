import Detection

/// Feeds arbitrary bytes as one read of a fanotify group (FAN_REPORT_DFID_NAME) and of an inotify descriptor.
/// Properties checked: no crash; every record's handle and name lie within the bytes read; a name holds no NUL.
public func fuzzFIMEvents(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for event in FanotifyEvent.parse(bytes[...]) {
        for record in event.records {
            guard record.handle.count + record.name.count <= size else { fatalError("a record larger than the read") }
            guard !record.name.contains(0) else { fatalError("a NUL inside a name") }
        }
    }
    for event in InotifyEvent.parse(bytes[...]) {
        guard event.name.count <= size, !event.name.contains(0) else { fatalError("a bad inotify name") }
    }
    return 0
}
