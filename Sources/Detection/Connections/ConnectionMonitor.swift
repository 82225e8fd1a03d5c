import Audit
import Capabilities
import Policy
import Synchronization

/// Every connection of the host, in and out, into the ledger — one `network_connection` entry per flow and minute
/// (``ConnectionAggregator``) — and each one as it happens into the events window. The kernel's connection
/// tracking says a connection began or ended; the socket's cgroup, else its uid, says whose it is.
public final class ConnectionMonitor: Sendable {
    /// How a socket's owner becomes an agent's name.
    public struct Attribution: Sendable {
        public var agentsByUID: [UInt32: String]
        public var agentOfCgroup: @Sendable (UInt64) -> String?

        public init(
            agentsByUID: [UInt32: String] = [:], agentOfCgroup: @escaping @Sendable (UInt64) -> String? = { _ in nil }
        ) {
            self.agentsByUID = agentsByUID
            self.agentOfCgroup = agentOfCgroup
        }

        func agent(of owner: SocketOwner?) -> String? {
            guard let owner else { return nil }
            return owner.cgroupID.flatMap(agentOfCgroup) ?? agentsByUID[owner.uid]
        }
    }

    struct State {
        var aggregator = ConnectionAggregator()
        /// Who opened each tracked connection, by the kernel's id, until it ends: a `destroy` has no socket left to ask.
        var opened: [UInt32: (agent: String?, owner: SocketOwner?)] = [:]
        var openedOrder: [UInt32] = []
    }

    static let rememberedConnections = 65_536
    private let reader: ConntrackReader
    private let owners: SocketOwnerLookup?
    private let isLocal: @Sendable (IPAddress) -> Bool
    private let attribution: Attribution
    private let audit: AuditSink
    private let observe: @Sendable (HostEvent) -> Void
    private let clock: any SecurityClock
    private let state = Mutex(State())
    private let auditFailures = Atomic<Int>(0)

    public init(
        reader: ConntrackReader, owners: SocketOwnerLookup?, isLocal: @escaping @Sendable (IPAddress) -> Bool,
        attribution: Attribution, audit: @escaping AuditSink, observe: @escaping @Sendable (HostEvent) -> Void,
        clock: any SecurityClock = SystemClock()
    ) {
        self.reader = reader
        self.owners = owners
        self.isLocal = isLocal
        self.attribution = attribution
        self.audit = audit
        self.observe = observe
        self.clock = clock
    }

    /// Reads until ``stop()`` on the calling thread (run it on one of its own), then records the minute in progress.
    public func run() throws(DetectionError) {
        defer { record(state.withLock { $0.aggregator.close(before: nil) }) }
        try reader.run({ handle($0) }, idle: { record(state.withLock { $0.aggregator.close(before: clock.now()) }) })
    }

    public func stop() { reader.stop() }

    public var statistics: (reader: ConntrackStatistics, auditFailures: Int) {
        (reader.statistics, auditFailures.load(ordering: .relaxed))
    }

    func handle(_ event: ConntrackEvent) {
        let now = clock.now()
        let direction = direction(of: event)
        var owner: SocketOwner?
        if event.kind == .new, let owners {
            let inbound = direction == .inbound
            owner = owners.owner(
                ipProtocol: event.ipProtocol, local: inbound ? event.destination : event.source,
                localPort: inbound ? event.destinationPort : event.sourcePort,
                remote: inbound ? event.source : event.destination,
                remotePort: inbound ? event.sourcePort : event.destinationPort)
        }
        let drafts = state.withLock { state in
            var agent = attribution.agent(of: owner)
            if let id = event.id {
                switch event.kind {
                case .new: state.remember(id, agent: agent, owner: owner)
                case .destroy:
                    if let known = state.opened.removeValue(forKey: id) { (agent, owner) = known }
                }
            }
            let connection = ObservedConnection(event: event, direction: direction, agent: agent, owner: owner)
            observe(HostEvent(kind: .network, time: now, draft: Self.observation(connection)))
            return state.aggregator.add(connection, at: now)
        }
        record(drafts)
    }

    func direction(of event: ConntrackEvent) -> ObservedConnection.Direction {
        let (from, to) = (isLocal(event.source), isLocal(event.destination))
        if from && to { return .local }
        return to ? .inbound : .outbound
    }

    /// The single event for the window: the aggregate's fields plus the source port, the kernel's id and the kind.
    static func observation(_ connection: ObservedConnection) -> AuditDraft {
        var flow = ConnectionAggregator.Flow(sample: connection, first: .seconds(0), last: .seconds(0))
        flow.opened = connection.event.kind == .new ? 1 : 0
        flow.closed = connection.event.kind == .destroy ? 1 : 0
        var draft = ConnectionAggregator.draft(flow, minute: 0)
        guard case .object(var details) = draft.details else { return draft }
        details.removeAll { ["first", "last", "minute", "opened", "closed"].contains($0.key) }
        details.append(("event", .string(connection.event.kind.rawValue)))
        details.append(("source_port", .integer(Int64(connection.event.sourcePort))))
        if let id = connection.event.id { details.append(("conntrack_id", .integer(Int64(id)))) }
        if let counters = connection.event.counters {
            details.append(("packets", .integer(Int64(clamping: counters.packets))))
            details.append(("bytes", .integer(Int64(clamping: counters.bytes))))
        }
        draft.details = .object(details)
        return draft
    }

    private func record(_ drafts: [AuditDraft]) {
        for draft in drafts {
            do { try audit(draft) } catch { auditFailures.add(1, ordering: .relaxed) }
        }
    }
}

extension ConnectionMonitor.State {
    mutating func remember(_ id: UInt32, agent: String?, owner: SocketOwner?) {
        if opened.count >= ConnectionMonitor.rememberedConnections {
            // The oldest half goes: a connection open that long is attributed as "host" when it ends.
            for old in openedOrder.prefix(openedOrder.count / 2) { opened.removeValue(forKey: old) }
            openedOrder.removeFirst(openedOrder.count / 2)
        }
        opened[id] = (agent, owner)
        openedOrder.append(id)
    }
}
