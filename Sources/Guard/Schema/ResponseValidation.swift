import Audit

/// What `ValidateResponse(schema, json)` answers: the value when it matches, otherwise every violation.
public struct ResponseCheck: Sendable {
    /// The parsed response when it matched the schema; nil otherwise (nothing unchecked is handed back).
    public let value: JSONValue?
    public let violations: [SchemaViolation]

    public var valid: Bool { value != nil }
}

/// Checks any model output an agent wants to act on against the schema it asked for.
///
/// The schema is the caller's and must be valid (a bad schema is an error for the caller: `GuardError`); the
/// response is untrusted, so anything wrong with it — too big, not JSON, nested too deep, not matching — is a
/// violation, and a response with any violation yields no value.
public enum ResponseValidation {
    /// Responses longer than this (bytes of UTF-8) are refused unread.
    public static let maximumResponseBytes = 1 << 20
    /// Schemas longer than this are refused.
    public static let maximumSchemaBytes = 64 * 1024

    public static func schema(_ text: String) throws(GuardError) -> JSONSchema {
        guard text.utf8.count <= maximumSchemaBytes else {
            throw GuardError("schema: longer than \(maximumSchemaBytes) bytes")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw GuardError("schema: not JSON (\(error.description))")
        }
        return try JSONSchema(value)
    }

    public static func check(_ response: String, against schema: JSONSchema) -> ResponseCheck {
        guard response.utf8.count <= maximumResponseBytes else {
            return ResponseCheck(value: nil, violations: [.init(path: "$", message: "response too large")])
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(response)
        } catch {
            let where_ = "line \(error.line), column \(error.column)"
            return ResponseCheck(value: nil, violations: [.init(path: "$", message: "not JSON (\(where_))")])
        }
        let violations = schema.violations(of: value)
        return ResponseCheck(value: violations.isEmpty ? value : nil, violations: violations)
    }

    /// ``schema(_:)`` then ``check(_:against:)``.
    public static func validate(schema text: String, response: String) throws(GuardError) -> ResponseCheck {
        check(response, against: try schema(text))
    }
}
