import Capabilities
import Policy

/// One tracked connection as this host sees it: which way it goes and whose it is.
public struct ObservedConnection: Hashable, Sendable {
    public enum Direction: String, Hashable, Sendable {
        /// This host opened it.
        case outbound
        /// A peer opened it to this host.
        case inbound
        /// Both ends are this host's (loopback, or between its own addresses).
        case local
    }

    public let event: ConntrackEvent
    public let direction: Direction
    /// The agent whose socket it is (by the socket's cgroup, else its uid), nil when not an agent's or not known.
    public let agent: String?
    public let owner: SocketOwner?

    /// The far end, and the port that names the service: the remote port going out, the local port coming in.
    public var remote: IPAddress { direction == .inbound ? event.source : event.destination }
    public var servicePort: UInt16 { event.destinationPort }

    /// `tcp 93.184.216.34:443` going out, `tcp :22 ← 10.0.0.7` coming in.
    public var target: String {
        switch direction {
        case .inbound: "\(event.protocolName) :\(servicePort) ← \(remote)"
        case .outbound, .local: "\(event.protocolName) \(Self.endpoint(remote, servicePort))"
        }
    }

    static func endpoint(_ address: IPAddress, _ port: UInt16) -> String {
        address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }

    var action: String {
        switch direction {
        case .outbound: "net.connect"
        case .inbound: "net.accept"
        case .local: "net.local"
        }
    }
}

/// What the ledger aggregates by: per minute, one entry per flow — direction, protocol, far end, service port and
/// owner — whatever the source ports.
struct FlowKey: Hashable, Sendable {
    let direction: ObservedConnection.Direction
    let ipProtocol: UInt8
    let remote: IPAddress
    let port: UInt16
    let agent: String?
    let uid: UInt32?
}
