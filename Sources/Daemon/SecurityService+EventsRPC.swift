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
        let since: Timestamp
        do {
            since = try AuditQuery.time(
                request.since.isEmpty ? "5m" : request.since, name: "since", now: core.clock.now())
        } catch {
            throw StatusMapping.invalid("\(error)")
        }
        let limit = request.limit == 0 ? Self.defaultEventLimit : Int(request.limit)
        let answer = try events(caller: caller, kind: kind, since: since, limit: limit)
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
        guard let stream = core.events.watch(kinds, owner: caller.identity.uri) else {
            throw RPCError(
                code: .resourceExhausted,
                message: "too many event streams: \(core.events.subscribersPerOwner) per caller, "
                    + "\(core.events.maximumSubscribers) in all")
        }
        var missed: UInt64 = 0
        for await delivery in stream {
            switch delivery {
            case .missed(let count): missed += UInt64(count)
            case .event(let event):
                // A grant revoked while the stream is open ends it: the right is checked at each event.
                guard mayReadEvents(caller, event.kind) else {
                    throw StatusMapping.denied("\(caller) may no longer read \(event.kind) events")
                }
                var message = Aios_Security_V1_WatchEventsResponse()
                message.event = Self.message(
                    EventRecord(kind: event.kind, time: event.time, json: event.entry.canonicalJSON))
                message.missed = missed
                missed = 0
                try await response.write(message)
            }
        }
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
