import NIOCore

/// One connection through the egress proxy — or, inbound, through an agent's ingress (``AgentIngress``) — as
/// recorded when it ends (or is refused).
public struct EgressConnection: Sendable {
    public let agent: String
    /// Inbound: the remote address and port that connected to the agent's served port (the destination is then
    /// the agent's own `127.0.0.1:PORT`). nil: an outbound connection.
    public var inboundFrom: String?
    /// What the agent asked for (nil when the request could not be read).
    public var destination: EgressDestination?
    /// The address connected to (or the first one tried).
    public var address: String?
    /// The name the TLS ClientHello carried (nil: no TLS, or not seen yet).
    public var serverName: String?
    /// The capability that allowed it.
    public var capability: String?
    /// Bytes from the agent to the destination, and back.
    public var bytesOut: Int64 = 0
    public var bytesIn: Int64 = 0
    public var started: NIODeadline
    public var ended: NIODeadline?
    /// Recorded while still open (see ``EgressProxy/Configuration/recordOpenAfter``): bytes and duration so far.
    public var stillOpen = false
    /// nil: it was relayed; else why it was refused or failed.
    public var refusal: EgressRefusal?

    public init(agent: String, started: NIODeadline = .now()) {
        self.agent = agent
        self.started = started
    }

    /// Whom the agent dealt with: the destination it asked for (outbound), or the remote peer's address (inbound;
    /// its port changes with every connection, so it is left out).
    public var counterpart: String? {
        guard let peer = inboundFrom else { return destination?.description }
        return peer.lastIndex(of: ":").map { String(peer[..<$0]) } ?? peer
    }

    /// How long it lasted, from the request to its end.
    public var duration: TimeAmount { (ended ?? .now()) - started }

    /// ``duration`` in whole milliseconds.
    public var durationMilliseconds: Int64 { duration.nanoseconds / 1_000_000 }
}
