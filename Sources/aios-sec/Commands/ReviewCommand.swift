import AIOSProto
import ArgumentParser
import Audit

/// `aios-sec review list|show|ack`: the human review queue (escalations, the analysis's actions, suggestions).
struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "The human review queue: what the AI analysis escalated, did, or suggests a person should do.",
        discussion: """
            Items link to the ledger entries they are about (aios-sec audit show ID). The orchestrator, operators
            and agents holding monitor:read:reviews list and show; only an operator acknowledges.
            Exit status: 0, 64 bad options, 65 refused input, 69 daemon unreachable, 77 not allowed.
            """,
        subcommands: [List.self, Show.self, Acknowledge.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open items, newest first (--all: every item).")
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Acknowledged items too.") var all = false
        @Option(help: "At most this many (1 to 1000).") var limit = 100

        func run() async throws {
            guard (1...1_000).contains(limit) else {
                printError("review list: --limit \(limit) must be from 1 to 1000")
                throw ExitStatus.usage
            }
            var request = Aios_Security_V1_ListReviewsRequest()
            request.all = all
            request.limit = UInt32(limit)
            let response = try await connection.withClient { [request] in try await $0.listReviews(request) }
            if connection.json {
                for item in response.reviews { print(ReviewCommand.json(item)) }
                return
            }
            print("\(response.open) open")
            for item in response.reviews {
                print("\(item.id)  \(item.createdAt)  \(item.kind)  \(item.state)  \(item.summary)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One item with its details and ledger entries.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The item's id (review-…).") var id: String

        func run() async throws {
            var request = Aios_Security_V1_GetReviewRequest()
            request.id = id
            let item = try await connection.withClient { [request] in try await $0.getReview(request) }
            if connection.json {
                print(ReviewCommand.json(item))
                return
            }
            print("id:       \(item.id)")
            print("kind:     \(item.kind)")
            print("created:  \(item.createdAt)")
            print("state:    \(item.state)")
            if !item.acknowledgedBy.isEmpty {
                print("by:       \(item.acknowledgedBy) at \(item.acknowledgedAt): \(item.note)")
            }
            print("summary:  \(item.summary)")
            print("entries:  \(item.entryIds.joined(separator: " "))")
            print("details:  \(item.detailsJson)")
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Mark an item seen, with a note (operators only; recorded in the ledger).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The item's id (review-…).") var id: String
        @Option(help: "What was found or done (at most 4 KiB).") var note: String

        func run() async throws {
            var request = Aios_Security_V1_AcknowledgeReviewRequest()
            request.id = id
            request.note = note
            let item = try await connection.withClient { [request] in try await $0.acknowledgeReview(request) }
            print(connection.json ? ReviewCommand.json(item) : "\(item.id) acknowledged by \(item.acknowledgedBy)")
        }
    }

    /// One item as a JSON line; `details` as the JSON object it is, not a string of it.
    static func json(_ item: Aios_Security_V1_Review) -> String {
        let fields: [(key: String, value: JSONValue)] = [
            ("id", .string(item.id)), ("kind", .string(item.kind)), ("created_at", .string(item.createdAt)),
            ("state", .string(item.state)), ("summary", .string(item.summary)),
            ("entry_ids", .array(item.entryIds.map(JSONValue.string))),
            ("acknowledged_by", .string(item.acknowledgedBy)), ("acknowledged_at", .string(item.acknowledgedAt)),
            ("note", .string(item.note)), ("details", (try? JSONParser.parse(item.detailsJson)) ?? .null),
        ]
        return JSONValue.object(fields).canonicalText
    }
}
