import Audit
import Capabilities
import Firewall
import Foundation
import Synchronization

/// The IDS rule for agents' egress: an agent sending a large volume to a destination it first reached only
/// recently — the shape of exfiltration — is a `security_alert` (`ids.egress_upload`, high risk) while the
/// connection is still open. For a port the agent serves (`net:listen`) the "destination" is the remote peer that
/// connected: a large answer to a peer never dealt with before is the same shape. Which destinations each agent
/// reached, and when first, is kept in memory from the daemon's start: after a restart every destination counts as
/// new again (the rule errs towards alerting).
public final class EgressUploadWatch: Sendable {
    /// The destinations each agent reached (``EgressConnection/counterpart``: `host:port` out, the peer's address
    /// in), with when it first did.
    private let firstSeen = Mutex<[String: [String: Timestamp]]>([:])
    private let newFor: GrantDuration
    private let clock: any SecurityClock
    private let append: @Sendable ([AuditDraft]) -> Void

    /// Destinations kept per agent: past it the oldest is forgotten (and counts as new again).
    static let destinationsPerAgent = 4_096

    public init(newFor: GrantDuration, clock: any SecurityClock, append: @escaping @Sendable ([AuditDraft]) -> Void) {
        self.newFor = newFor
        self.clock = clock
        self.append = append
    }

    /// A relayed connection ended: its destination is one the agent reached.
    public func reached(_ connection: EgressConnection) {
        // Relayed: it ended without a refusal, or was cut after bytes crossed.
        guard connection.refusal == nil || connection.bytesOut > 0, let counterpart = connection.counterpart else {
            return
        }
        let started = Self.start(of: connection, now: clock.now())
        note(agent: connection.agent, destination: counterpart, at: started)
    }

    /// A tunnel crossed the policy's upload size (called by the proxy while it is open).
    public func crossed(_ connection: EgressConnection) {
        guard let counterpart = connection.counterpart else { return }
        let now = clock.now()
        let first = note(
            agent: connection.agent, destination: counterpart, at: Self.start(of: connection, now: now))
        guard now.millisecondsSinceEpoch - first.millisecondsSinceEpoch < newFor.milliseconds else { return }
        append([Self.alert(connection, firstSeen: first, newFor: newFor)])
    }

    private static func start(of connection: EgressConnection, now: Timestamp) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch - connection.durationMilliseconds)
    }

    /// Records `destination` for `agent` if new; when the agent first reached it.
    @discardableResult
    private func note(agent: String, destination: String, at time: Timestamp) -> Timestamp {
        firstSeen.withLock { all in
            var seen = all[agent, default: [:]]
            defer { all[agent] = seen }
            if let first = seen[destination] { return first }
            if seen.count >= Self.destinationsPerAgent, let oldest = seen.min(by: { $0.value < $1.value })?.key {
                seen[oldest] = nil
            }
            seen[destination] = time
            return time
        }
    }

    static func alert(_ connection: EgressConnection, firstSeen: Timestamp, newFor: GrantDuration) -> AuditDraft {
        let target = connection.counterpart ?? "?"
        return AuditDraft(
            eventType: .securityAlert, agent: "aios-sec", action: "ids.egress_upload", target: target,
            capabilitiesUsed: connection.capability.map { [$0] } ?? [], result: .success, riskLevel: .high,
            details: .object([
                ("rule", .string("egress_upload")), ("subject_agent", .string(connection.agent)),
                ("destination", .string(target)), ("address", connection.address.map { .string($0) } ?? .null),
                // Inbound: the peer that connected, and the agent's port it was served on.
                ("inbound_from", connection.inboundFrom.map { .string($0) } ?? .null),
                ("served", connection.inboundFrom == nil ? .null : .string(connection.destination?.description ?? "?")),
                ("bytes_out", .integer(connection.bytesOut)), ("bytes_in", .integer(connection.bytesIn)),
                ("first_reached", .string(firstSeen.rfc3339)), ("new_for", .string("\(newFor)")),
                (
                    "summary",
                    .string(
                        "\(connection.agent) sent \(connection.bytesOut) bytes to \(target), first reached "
                            + "\(firstSeen.rfc3339)")
                ),
            ]))
    }
}
