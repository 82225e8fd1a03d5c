import Detection
import Policy

/// Feeds arbitrary bytes as one datagram from the conntrack event socket (`ConntrackParser.parse`) and as one
/// sock_diag answer (`SocketOwnerLookup.parse`). Properties checked: no crash; every event's two ends are of one
/// address family; no more events than messages could fit.
public func fuzzConntrack(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let result = ConntrackParser.parse(bytes)
    guard result.events.count + result.malformed <= size / 16 else { fatalError("more messages than could fit") }
    for event in result.events where event.source.isIPv4 != event.destination.isIPv4 {
        fatalError("an event with mixed address families: \(event)")
    }
    _ = SocketOwnerLookup.parse(bytes)
    return 0
}
