import Firewall

/// Feeds arbitrary bytes (as UTF-8, invalid sequences repaired) to the egress proxy's reader of a `CONNECT` target,
/// which an agent controls. Properties checked: a target either throws or gives a port in 1–65535 and a host that
/// is an address literal or a lower-case DNS name of at most 253 bytes without a trailing dot, and reading the
/// target it describes gives the same destination.
public func fuzzEgressConnect(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let destination = try? EgressDestination(authority: text) else { return 0 }
    guard (1...65535).contains(destination.port) else { fatalError("port \(destination.port)") }
    if !destination.isAddress {
        guard destination.host.utf8.count <= 253, !destination.host.hasSuffix("."),
            destination.host == destination.host.lowercased()
        else { fatalError("host \(destination.host)") }
    }
    guard let again = try? EgressDestination(authority: destination.description), again == destination else {
        fatalError("\(destination) does not read back")
    }
    return 0
}
