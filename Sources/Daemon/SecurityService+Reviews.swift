import AIOSProto
import Audit
import Capabilities
import GRPCCore
import Guard

/// The human review queue over gRPC: the orchestrator, operators and agents holding `monitor:read:reviews` read it;
/// only an operator — a person — acknowledges an item (the orchestrator is itself an AI agent: goal misalignment is
/// exactly what it must not mark as seen).
extension SecurityService {
    public func listReviews(
        request: Aios_Security_V1_ListReviewsRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_ListReviewsResponse {
        guard request.limit <= 1_000 else { throw StatusMapping.invalid("limit \(request.limit) must be at most 1000") }
        let (items, open) = try reviews(
            caller: try caller(context), all: request.all, limit: request.limit == 0 ? 100 : Int(request.limit))
        var response = Aios_Security_V1_ListReviewsResponse()
        response.reviews = items.map(Self.message)
        response.open = UInt32(clamping: open)
        return response
    }

    public func getReview(
        request: Aios_Security_V1_GetReviewRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_Review {
        let queue = try reviewQueue(for: try caller(context))
        guard let item = try guardCall({ () throws(GuardError) in try queue.item(id: request.id) }) else {
            throw RPCError(code: .notFound, message: "no review item \(request.id.prefix(64))")
        }
        return Self.message(item)
    }

    public func acknowledgeReview(
        request: Aios_Security_V1_AcknowledgeReviewRequest, context: ServerContext
    ) async throws -> Aios_Security_V1_Review {
        Self.message(try await acknowledgeReview(caller: try caller(context), id: request.id, note: request.note))
    }

    /// An acknowledgement as every front end asks for it (the gRPC API, the web console): operators only, recorded.
    public func acknowledgeReview(caller: Caller, id: String, note: String) async throws -> ReviewItem {
        let queue = try reviewQueue(for: caller)
        guard caller.identity.kind == .operator else {
            throw StatusMapping.denied("only an operator acknowledges a review item (\(caller) is not one)")
        }
        guard try guardCall({ () throws(GuardError) in try queue.item(id: id) }) != nil else {
            throw RPCError(code: .notFound, message: "no review item \(id.prefix(64))")
        }
        let item = try guardCall { () throws(GuardError) in
            try queue.acknowledge(id: id, by: caller.auditName, note: note, at: core.clock.now())
        }
        _ = try await core.record(
            AuditDraft(
                eventType: .toolCall, agent: caller.auditName, action: "review.acknowledge", target: item.id,
                capabilitiesUsed: [], result: .success, riskLevel: .low,
                details: .object([
                    ("kind", .string(item.kind.rawValue)), ("summary", .string(item.summary)),
                    ("entry_ids", .array(item.entryIDs.map(JSONValue.string))), ("note", .string(note)),
                ])))
        return item
    }

    /// The queue's items for a caller who may read it (the gRPC API, the web console), newest first.
    public func reviews(caller: Caller, all: Bool, limit: Int) throws -> (items: [ReviewItem], open: Int) {
        let queue = try reviewQueue(for: caller)
        return try guardCall { () throws(GuardError) in try queue.list(all: all, limit: limit) }
    }

    /// The queue, for a caller who may read it.
    func reviewQueue(for caller: Caller) throws -> ReviewQueue {
        if let agent = caller.agent {
            let request = try? AccessRequest(namespace: "monitor", action: "read", resource: "reviews")
            guard let request, core.authority.check(request, for: agent, at: core.clock.now()).isAllowed else {
                throw StatusMapping.denied("\(caller) may not read the review queue (monitor:read:reviews)")
            }
        } else if caller.principal == nil {
            throw StatusMapping.denied("\(caller) may not read the review queue")
        }
        guard let queue = workers.reviews else {
            throw RPCError(code: .unavailable, message: "this daemon keeps no review queue")
        }
        return queue
    }

    private func guardCall<T>(_ body: () throws(GuardError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw RPCError(code: .failedPrecondition, message: error.message)
        }
    }

    static func message(_ item: ReviewItem) -> Aios_Security_V1_Review {
        var message = Aios_Security_V1_Review()
        message.id = item.id
        message.kind = item.kind.rawValue
        message.createdAt = item.created.rfc3339
        message.summary = item.summary
        message.entryIds = item.entryIDs
        message.state = item.state.rawValue
        message.acknowledgedBy = item.acknowledgedBy ?? ""
        message.acknowledgedAt = item.acknowledged?.rfc3339 ?? ""
        message.note = item.note ?? ""
        message.detailsJson = item.details.canonicalText
        return message
    }
}
