import AIOSProto
import Audit
import Capabilities
import Detection
import GRPCCore

/// The events API: what the security agent's analysis loop reads (`get_network_events(last="5m")` and the like).
extension SecurityService {
    /// One event as the API returns it: the ledger's entry format, the id empty when the event was not recorded.
    public struct EventRecord: Sendable {
        public let kind: HostEventKind
        public let time: Timestamp
        public let json: String
    }

    public struct EventsAnswer: Sendable {
        /// Oldest first.
        public let events: [EventRecord]
        /// More matched than the limit (the oldest were left out), or the ledger's part was cut at its read budget.
        public let truncated: Bool
        /// From here on the daemon's window held every event; older ones came from the ledger's records only.
        public let windowSince: Timestamp
    }

    public static let defaultEventLimit = 1000
    public static let maximumEventLimit = 10_000
    /// Entries of one type the ledger's part of a request may look at: a range of a busy ledger is answered in
    /// part (and says so) rather than by scanning days of it.
    static let ledgerEventBudget = 200_000

    /// Host events: the orchestrator and operators; an agent with `monitor:read:events/KIND` (the security and
    /// monitor roles hold `monitor:*`).
    func mayReadEvents(_ caller: Caller, _ kind: HostEventKind) -> Bool {
        guard let agent = caller.agent else { return caller.principal != nil }
        guard let request = try? AccessRequest(namespace: "monitor", action: "read", resource: "events/\(kind)")
        else { return false }
        return core.authority.check(request, for: agent, at: core.clock.now()).isAllowed
    }

    /// Events of `kind` from `since`, at most `limit` (the newest): the window's, and before the window's start
    /// what the ledger recorded of that kind.
    public func events(caller: Caller, kind: HostEventKind, since: Timestamp, limit: Int) throws -> EventsAnswer {
        guard mayReadEvents(caller, kind) else {
            throw StatusMapping.denied("\(caller) may not read \(kind) events (monitor:read:events/\(kind))")
        }
        guard (1...Self.maximumEventLimit).contains(limit) else {
            throw StatusMapping.invalid("limit \(limit) must be from 1 to \(Self.maximumEventLimit)")
        }
        let slice = core.events.events(kind, since: since)
        var records = slice.events.map { EventRecord(kind: kind, time: $0.time, json: $0.entry.canonicalJSON) }
        var truncated = false
        if since < slice.wholeSince {
            // At least one, even when the window fills the limit: whether older events exist decides `truncated`.
            let older = try recordedEvents(
                kind, from: since, until: slice.wholeSince, limit: max(1, limit - records.count))
            records = older.records + records
            truncated = older.cut
        }
        if records.count > limit {
            records.removeFirst(records.count - limit)
            truncated = true
        }
        return EventsAnswer(events: records, truncated: truncated, windowSince: slice.wholeSince)
    }

    /// The newest `limit` ledger entries of the kind's types in [from, until), oldest first.
    private func recordedEvents(_ kind: HostEventKind, from: Timestamp, until: Timestamp, limit: Int) throws
        -> (records: [EventRecord], cut: Bool)
    {
        let reader = LedgerReader(directory: core.ledgerDirectory)
        var found: [EventRecord] = []
        var cut = false
        for type in kind.recordedTypes {
            var query = AuditQuery()
            query.since = from
            query.until = until
            query.eventType = type
            do {
                let page = try reader.page(
                    matching: query, before: nil, limit: limit, budget: Self.ledgerEventBudget)
                if page.next != nil { cut = true }
                found += page.entries.map { EventRecord(kind: kind, time: $0.timestamp, json: $0.json) }
            } catch {
                throw RPCError(code: .unavailable, message: "cannot read the ledger: \(error)")
            }
        }
        found.sort { $0.time < $1.time }
        if found.count > limit {
            found.removeFirst(found.count - limit)
            cut = true
        }
        return (found, cut)
    }
}
