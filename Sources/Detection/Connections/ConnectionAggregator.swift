import Audit
import Capabilities
import Policy

/// Aggregates connections into one `network_connection` entry per flow and minute: a busy host opens thousands of
/// connections a minute to the same few services, and the ledger needs who talked to whom, how often and how
/// much, not each source port. At most ``maximumFlows`` flows a minute are told apart; the rest are counted into
/// one summary entry for the minute.
struct ConnectionAggregator {
    struct Flow {
        let sample: ObservedConnection
        var opened = 0
        var closed = 0
        var first: Timestamp
        var last: Timestamp
        var packets: UInt64 = 0
        var bytes: UInt64 = 0
    }

    static let maximumFlows = 4096
    private(set) var minute: Int64?
    private var flows: [FlowKey: Flow] = [:]
    private var order: [FlowKey] = []
    private var overflowConnections = 0

    /// Adds one event at `time`; returns the entries of a minute that just ended, if any.
    mutating func add(_ connection: ObservedConnection, at time: Timestamp) -> [AuditDraft] {
        let drafts = close(before: time)
        if minute == nil { minute = Self.minute(of: time) }
        let key = FlowKey(
            direction: connection.direction, ipProtocol: connection.event.ipProtocol, remote: connection.remote,
            port: connection.servicePort, agent: connection.agent, uid: connection.owner?.uid)
        if flows[key] == nil {
            guard flows.count < Self.maximumFlows else {
                overflowConnections += 1
                return drafts
            }
            flows[key] = Flow(sample: connection, first: time, last: time)
            order.append(key)
        }
        flows[key]!.last = time
        switch connection.event.kind {
        case .new: flows[key]!.opened += 1
        case .destroy:
            flows[key]!.closed += 1
            if let counters = connection.event.counters {
                flows[key]!.packets &+= counters.packets
                flows[key]!.bytes &+= counters.bytes
            }
        }
        return drafts
    }

    /// The entries of the minute in progress when `time` is in a later one (nil: whatever is held, at shutdown).
    mutating func close(before time: Timestamp?) -> [AuditDraft] {
        guard let minute, time.map({ Self.minute(of: $0) > minute }) ?? true else { return [] }
        var drafts = order.compactMap { flows[$0].map { Self.draft($0, minute: minute) } }
        if overflowConnections > 0 {
            drafts.append(
                AuditDraft(
                    eventType: .networkConnection, agent: "aios-sec", action: "net.flows_overflow",
                    target: "\(overflowConnections) connections", result: .success, riskLevel: .medium,
                    details: .object([
                        ("minute", .string(Timestamp(millisecondsSinceEpoch: minute * 60_000).rfc3339)),
                        ("connections", .integer(Int64(overflowConnections))),
                        (
                            "reason",
                            .string("more than \(Self.maximumFlows) flows in a minute: counted, not told apart")
                        ),
                    ])))
        }
        self.minute = nil
        flows = [:]
        order = []
        overflowConnections = 0
        return drafts
    }

    static func minute(of time: Timestamp) -> Int64 { time.millisecondsSinceEpoch / 60_000 }

    static func draft(_ flow: Flow, minute: Int64) -> AuditDraft {
        let connection = flow.sample
        var details: [(key: String, value: JSONValue)] = [
            ("direction", .string(connection.direction.rawValue)),
            ("protocol", .string(connection.event.protocolName)),
            ("remote", .string(connection.remote.description)), ("port", .integer(Int64(connection.servicePort))),
            (
                "local",
                .string(
                    (connection.direction == .inbound ? connection.event.destination : connection.event.source)
                        .description)
            ),
            ("opened", .integer(Int64(flow.opened))), ("closed", .integer(Int64(flow.closed))),
            ("first", .string(flow.first.rfc3339)), ("last", .string(flow.last.rfc3339)),
            ("minute", .string(Timestamp(millisecondsSinceEpoch: minute * 60_000).rfc3339)),
        ]
        if let owner = connection.owner {
            details.append(("uid", .integer(Int64(owner.uid))))
            if let cgroup = owner.cgroupID { details.append(("cgroup_id", .integer(Int64(bitPattern: cgroup)))) }
        }
        if flow.bytes > 0 {
            details.append(("packets", .integer(Int64(clamping: flow.packets))))
            details.append(("bytes", .integer(Int64(clamping: flow.bytes))))
        }
        return AuditDraft(
            eventType: .networkConnection, agent: connection.agent ?? "host", action: connection.action,
            target: connection.target, result: .success, riskLevel: .low, details: .object(details))
    }
}
