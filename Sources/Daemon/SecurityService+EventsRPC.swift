import AIOSProto
import Audit
import Capabilities
import Detection
import GRPCCore

extension SecurityService {
    public func getEvents(
        request: Aios_Security_V1_GetEventsRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_GetEventsResponse {
        let caller = try caller(context)
        let kind = try Self.eventKind(request.kind)
        let answer = try events(
            caller: caller, kind: kind, since: try since(request.since), limit: Self.eventLimit(request.limit))
        var response = Aios_Security_V1_GetEventsResponse()
        response.events = answer.events.map(Self.message)
        response.truncated = answer.truncated
        response.windowSince = answer.windowSince.rfc3339
        return response
    }

    public func watchEvents(
        request: Aios_Security_V1_WatchEventsRequest, response: RPCWriter<Aios_Security_V1_WatchEventsResponse>,
        context: ServerContext
    ) async throws {
        let caller = try caller(context)
        let kinds = try request.kinds.isEmpty ? Set(HostEventKind.allCases) : Set(request.kinds.map(Self.eventKind))
        for kind in kinds.sorted(by: { $0.rawValue < $1.rawValue }) where !mayReadEvents(caller, kind) {
            throw StatusMapping.denied("\(caller) may not read \(kind) events (monitor:read:events/\(kind))")
        }
        // Open before the earlier events are read: whatever is published meanwhile is in the stream too.
        guard let stream = core.events.watch(kinds, owner: caller.identity.uri) else {
            throw RPCError(
                code: .resourceExhausted,
                message: "too many event streams: \(core.events.subscribersPerOwner) per caller, "
                    + "\(core.events.maximumSubscribers) in all")
        }
        var sent = Set<String>()
        if !request.since.isEmpty {
            let since = try since(request.since)
            let limit = try Self.eventLimit(request.limit)
            var earlier: [EventRecord] = []
            for kind in kinds { earlier += try events(caller: caller, kind: kind, since: since, limit: limit).events }
            for record in earlier.sorted(by: { $0.time < $1.time }) {
                var message = Aios_Security_V1_WatchEventsResponse()
                message.event = Self.message(record)
                try await response.write(message)
                sent.insert(record.json)
            }
        }
        var missed: UInt64 = 0
        for await delivery in stream {
            switch delivery {
            case .missed(let count): missed += UInt64(count)
            case .event(let event):
                // A certificate or a grant revoked while the stream is open ends it: both are checked at each event.
                if let reason = core.denyList.reason(serial: caller.serial, identities: [caller.identity.uri]) {
                    throw StatusMapping.error(CallerError.revoked(reason))
                }
                guard mayReadEvents(caller, event.kind) else {
                    throw StatusMapping.denied("\(caller) may no longer read \(event.kind) events")
                }
                let json = event.entry.canonicalJSON
                // Published between the stream's opening and the earlier events' reading: already sent.
                if !sent.isEmpty, sent.remove(json) != nil { continue }
                var message = Aios_Security_V1_WatchEventsResponse()
                message.event = Self.message(EventRecord(kind: event.kind, time: event.time, json: json))
                message.missed = missed
                missed = 0
                try await response.write(message)
            }
        }
    }

    private func since(_ text: String) throws -> Timestamp {
        do {
            return try AuditQuery.time(text.isEmpty ? "5m" : text, name: "since", now: core.clock.now())
        } catch {
            throw StatusMapping.invalid("\(error)")
        }
    }

    static func eventLimit(_ requested: UInt32) throws -> Int {
        guard requested <= maximumEventLimit else {
            throw StatusMapping.invalid("limit \(requested) must be from 1 to \(maximumEventLimit)")
        }
        return requested == 0 ? defaultEventLimit : Int(requested)
    }

    static func eventKind(_ text: String) throws -> HostEventKind {
        guard let kind = HostEventKind(rawValue: text) else {
            throw StatusMapping.invalid(
                "kind '\(text.prefix(64))' is not one of \(HostEventKind.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        return kind
    }

    static func message(_ record: EventRecord) -> Aios_Security_V1_HostEvent {
        var message = Aios_Security_V1_HostEvent()
        message.kind = record.kind.rawValue
        message.json = record.json
        return message
    }
}
