import Policy

/// A dynamic rule: an operator's or the Network Agent's change on top of the policy's defaults. Deny rules are
/// checked before every accept (and before established connections, so a deny cuts a live flow); allow rules
/// after the defaults.
public struct FirewallRule: Hashable, Sendable, Codable {
    public enum Direction: String, Hashable, Sendable, Codable, CaseIterable {
        case inbound = "in"
        case outbound = "out"
    }

    public enum Action: String, Hashable, Sendable, Codable {
        case allow, deny
    }

    public enum Transport: String, Hashable, Sendable, Codable, CaseIterable {
        case tcp, udp, any
    }

    /// Short, unique, safe inside an nft comment: letters, digits, `-`, `_`, `.`, at most 32.
    public let id: String
    public let direction: Direction
    public let action: Action
    public let transport: Transport
    /// Empty: every port (only with `any`, or to allow a whole protocol).
    public let ports: [UInt16]
    public let peer: FirewallPeer
    /// Who asked and why (kept with the rule; also in the `policy_change` entry).
    public let author: String
    public let reason: String

    /// Checks the combination; the error says which part is wrong.
    public init(
        id: String, direction: Direction, action: Action, transport: Transport, ports: [UInt16], peer: FirewallPeer,
        author: String, reason: String
    ) throws(FirewallError) {
        guard Self.isValidID(id) else {
            throw .invalidInput("rule id '\(id)': use 1 to 32 letters, digits, '-', '_' or '.'")
        }
        guard !(transport == .any && !ports.isEmpty) else {
            throw .invalidInput("rule \(id): ports need a protocol (--tcp or --udp)")
        }
        guard !ports.contains(0) else { throw .invalidInput("rule \(id): port 0 is not a port") }
        if case .name = peer {
            guard direction == .outbound, action == .allow else {
                throw .invalidInput("rule \(id): names work only in outbound allow rules (deny by address)")
            }
            guard transport != .any, !ports.isEmpty else {
                throw .invalidInput("rule \(id): an outbound name needs a protocol and ports (e.g. --tcp 443)")
            }
        }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalidInput("rule \(id): a reason is required (it goes into the audit entry)")
        }
        self.id = id
        self.direction = direction
        self.action = action
        self.transport = transport
        self.ports = Array(Set(ports)).sorted()
        self.peer = peer
        self.author = author
        self.reason = reason
    }

    static func isValidID(_ id: String) -> Bool {
        (1...32).contains(id.utf8.count)
            && id.unicodeScalars.allSatisfy {
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
            }
    }

    /// The rule's meaning without its id, author or reason: two rules that mean the same are one too many.
    var meaning: String { "\(direction.rawValue) \(action.rawValue) \(transport.rawValue) \(ports) \(peer)" }

    public var summary: String {
        let ports = ports.isEmpty ? "" : " port " + ports.map(String.init).joined(separator: ",")
        let side = direction == .inbound ? "from" : "to"
        return "\(id): \(action.rawValue) \(direction.rawValue) \(transport.rawValue)\(ports) \(side) \(peer)"
    }

    private enum CodingKeys: String, CodingKey {
        case id, direction, action, transport, ports, peer, author, reason
    }

    public init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        let peerText = try values.decode(String.self, forKey: .peer)
        let peer: FirewallPeer
        do {
            peer = try FirewallPeer(parsing: peerText)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .peer, in: values, debugDescription: error.message)
        }
        do {
            try self.init(
                id: values.decode(String.self, forKey: .id),
                direction: values.decode(Direction.self, forKey: .direction),
                action: values.decode(Action.self, forKey: .action),
                transport: values.decode(Transport.self, forKey: .transport),
                ports: values.decode([UInt16].self, forKey: .ports), peer: peer,
                author: values.decode(String.self, forKey: .author), reason: values.decode(String.self, forKey: .reason)
            )
        } catch let error as FirewallError {
            throw DecodingError.dataCorruptedError(forKey: .id, in: values, debugDescription: error.message)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(id, forKey: .id)
        try values.encode(direction, forKey: .direction)
        try values.encode(action, forKey: .action)
        try values.encode(transport, forKey: .transport)
        try values.encode(ports, forKey: .ports)
        try values.encode(peer.description, forKey: .peer)
        try values.encode(author, forKey: .author)
        try values.encode(reason, forKey: .reason)
    }
}
