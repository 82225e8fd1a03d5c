import NIOCore
import Policy

/// The addresses the console answers: loopback always, and the policy's management subnets. Anything else gets a
/// 403 before any page or cookie is looked at. The firewall already drops other sources on a managed host; this
/// holds where the firewall is not managed, or a rule was widened.
public struct AllowedClients: Sendable, Equatable {
    public let prefixes: [IPPrefix]

    public init(management: [IPPrefix]) {
        prefixes = IPPrefix.loopback + management
    }

    /// Exactly these prefixes (tests leave out loopback to see a refusal).
    public init(only prefixes: [IPPrefix]) {
        self.prefixes = prefixes
    }

    public func allows(_ address: SocketAddress?) -> Bool {
        guard let text = address?.ipAddress, let parsed = IPAddress(Self.unmapped(text)) else { return false }
        return prefixes.contains { $0.contains(parsed) }
    }

    /// A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`.
    static func unmapped(_ text: String) -> String {
        let prefix = "::ffff:"
        guard text.lowercased().hasPrefix(prefix), text.contains(".") else { return text }
        return String(text.dropFirst(prefix.count))
    }
}
