import Capabilities
import Policy

/// One inbound connection attempt seen by the kernel (a TCP SYN, or a UDP datagram to a new flow).
public struct ConnectionAttempt: Hashable, Sendable, CustomStringConvertible {
    public enum Transport: String, Hashable, Sendable {
        case tcp, udp
    }

    public let transport: Transport
    public let source: IPAddress
    public let sourcePort: UInt16
    public let destination: IPAddress
    public let destinationPort: UInt16
    public let time: Timestamp

    public init(
        transport: Transport, source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16,
        time: Timestamp
    ) {
        self.transport = transport
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.destinationPort = destinationPort
        self.time = time
    }

    /// `tcp 192.0.2.9:40000 -> 192.0.2.1:23` (IPv6 addresses in brackets): one evidence line.
    public var description: String {
        func endpoint(_ address: IPAddress, _ port: UInt16) -> String {
            address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
        }
        return "\(transport.rawValue) \(endpoint(source, sourcePort)) -> \(endpoint(destination, destinationPort))"
    }
}
