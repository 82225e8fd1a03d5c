/// The most each string, bytes or map field of a request may hold, in bytes, checked before any handler reads the
/// request (so before anything is logged or recorded). Fields are named per message by number, as in
/// `Protos/aios/security/v1/security.proto`; a field not listed has the default (names and ids: 256 bytes). A unit
/// test reads the .proto and fails when a request field is missing here, so the table cannot drift.
public struct FieldLimits: Sendable {
    public struct Limit: Sendable, Hashable {
        public let field: String
        /// For a repeated field: the sum of its elements; for a map: the sum of its keys and values.
        public let bytes: Int
        /// For a map: the most one key may hold.
        public let keyBytes: Int
        /// The answer when the field is over: `invalidArgument`, except the arguments map, which keeps the
        /// `resourceExhausted` the daemon has always answered for its 4 MiB (file contents ride in it).
        public let exhausts: Bool

        init(_ field: String, _ bytes: Int, keyBytes: Int = FieldLimits.nameBytes, exhausts: Bool = false) {
            self.field = field
            self.bytes = bytes
            self.keyBytes = keyBytes
            self.exhausts = exhausts
        }
    }

    /// Ids, names, agents, tools, grant and task ids.
    public static let nameBytes = 256
    /// Short words: durations, operations, directions, memory sizes.
    public static let wordBytes = 64
    /// A human reason.
    public static let reasonBytes = 4 << 10
    /// A capability: `fs:write:` and a path of up to PATH_MAX.
    public static let capabilityBytes = 8 << 10
    /// A tool call's arguments, file contents included (the limit the daemon always had).
    public static let argumentBytes = 4 << 20
    /// A command line (`argv`), all elements together.
    public static let commandBytes = 256 << 10
    /// Audit query filters, all together.
    public static let filterBytes = 16 << 10
    /// Fields this daemon does not know (a newer client's): kept by the decoder, so bounded too.
    public static let unknownBytes = 4 << 10
    /// Untrusted text an agent screens (a page, a document) and a model output it validates.
    public static let screenedTextBytes = 64 << 10
    public static let validatedJSONBytes = 1 << 20

    let byMessage: [String: [Int: Limit]]

    /// The limit of field `number` of `message` (its full proto name), or the default.
    public func limit(message: String, field number: Int) -> Limit {
        byMessage[message]?[number] ?? Limit("field \(number)", Self.nameBytes)
    }

    /// The fields this table names for `message`, by number (for the drift test).
    public func fields(of message: String) -> [Int: String] {
        (byMessage[message] ?? [:]).mapValues(\.field)
    }

    public static let standard = FieldLimits(byMessage: standardTable())

    private static func standardTable() -> [String: [Int: Limit]] {
        let table: [String: [Int: Limit]] = [
            "AuthorizeRequest": [
                1: Limit("tool", nameBytes), 2: Limit("arguments", argumentBytes, exhausts: true),
                3: Limit("capability", capabilityBytes), 4: Limit("reason", reasonBytes),
                5: Limit("task_id", nameBytes),
            ],
            "ExecuteToolRequest": [
                1: Limit("tool", nameBytes), 2: Limit("arguments", argumentBytes, exhausts: true),
                3: Limit("reason", reasonBytes), 4: Limit("task_id", nameBytes),
            ],
            "GrantTemporaryRequest": [
                1: Limit("agent", nameBytes), 2: Limit("capability", capabilityBytes), 3: Limit("duration", wordBytes),
                4: Limit("reason", reasonBytes), 5: Limit("task_id", nameBytes),
            ],
            "RevokeRequest": [1: Limit("grant_id", nameBytes), 2: Limit("reason", reasonBytes)],
            "CompleteTaskRequest": [1: Limit("task_id", nameBytes)],
            "ListGrantsRequest": [1: Limit("agent", nameBytes)],
            "ConfirmRequest": [1: Limit("pending_id", nameBytes), 3: Limit("reason", reasonBytes)],
            "QueryAuditRequest": [1: Limit("filters", filterBytes)],
            "SpawnAgentRequest": [
                1: Limit("agent", nameBytes), 2: Limit("command", commandBytes), 3: Limit("reason", reasonBytes),
            ],
            "StopAgentRequest": [1: Limit("agent", nameBytes), 2: Limit("reason", reasonBytes)],
            "RunTaskRequest": [
                1: Limit("command", commandBytes), 2: Limit("image", 1 << 10), 4: Limit("memory", wordBytes),
                7: Limit("timeout", wordBytes), 8: Limit("task_id", nameBytes),
            ],
            "RenewIdentityRequest": [1: Limit("csr_pem", 16 << 10)],
            "EmergencyStopRequest": [1: Limit("reason", reasonBytes)],
            // A challenge is under 1 KiB; up to four armored signatures of up to 16 KiB each.
            "ResumeRequest": [
                1: Limit("challenge", 2 << 10), 2: Limit("signatures", 64 << 10), 3: Limit("agents", wordBytes),
            ],
            "GetEventsRequest": [1: Limit("kind", wordBytes), 2: Limit("since", wordBytes)],
            "WatchEventsRequest": [1: Limit("kinds", wordBytes), 2: Limit("since", wordBytes)],
            "ScreenUntrustedRequest": [
                1: Limit("text", screenedTextBytes, exhausts: true), 2: Limit("source", nameBytes),
            ],
            "ValidateResponseRequest": [
                1: Limit("schema_json", 64 << 10), 2: Limit("json", validatedJSONBytes, exhausts: true),
            ],
            "ListReviewsRequest": [:],
            "GetReviewRequest": [1: Limit("id", nameBytes)],
            "AcknowledgeReviewRequest": [1: Limit("id", nameBytes), 2: Limit("note", reasonBytes)],
            "ChangeFirewallRequest": [
                1: Limit("operation", wordBytes), 2: Limit("direction", wordBytes), 3: Limit("transport", wordBytes),
                5: Limit("peer", nameBytes), 6: Limit("id", nameBytes), 7: Limit("address", nameBytes),
                8: Limit("duration", wordBytes), 9: Limit("reason", reasonBytes),
            ],
        ]
        var named: [String: [Int: Limit]] = [:]
        for (message, limits) in table { named["aios.security.v1." + message] = limits }
        return named
    }
}
