import Daemon
import Guard
import Hummingbird

extension ConsoleRoutes {
    struct AcknowledgeForm: Decodable {
        let id: String
        let note: String
    }

    func addReviewRoutes(to router: Router<ConsoleContext>) {
        router.get("/reviews") { request, context in
            try page(context, "reviews", title: "Review") { session in
                let all = request.uri.queryParameters.get("all") == "1"
                let (items, open) = try backend.service.reviews(caller: try Self.caller(session), all: all, limit: 200)
                return ReviewsData(items: items, open: open, all: all).values
            }
        }
        router.post("/reviews/acknowledge") { request, context in
            try await action(request, context: context, name: "review.acknowledge", form: AcknowledgeForm.self) {
                session, form in
                _ = try await backend.service.acknowledgeReview(
                    caller: try Self.caller(session), id: form.id, note: form.note)
                return Self.redirect(to: "/reviews")
            }
        }
    }
}

/// The review queue for a person: each item, the ledger entries it is about (linked), and a form to acknowledge it.
struct ReviewsData {
    let items: [ReviewItem]
    let open: Int
    let all: Bool

    var values: [String: Any] {
        let rows: [[String: Any]] = items.map { item in
            [
                "id": item.id, "kind": item.kind.rawValue, "created": item.created.rfc3339, "summary": item.summary,
                "open": item.state == .open, "acknowledgedBy": item.acknowledgedBy ?? "",
                "acknowledged": item.acknowledged?.rfc3339 ?? "", "note": item.note ?? "",
                "entries": item.entryIDs.map { ["entry": $0] }, "details": item.details.canonicalText,
            ]
        }
        return ["items": rows, "hasItems": !rows.isEmpty, "openCount": open, "all": all]
    }
}
