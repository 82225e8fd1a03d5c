import Audit

/// A strict subset of JSON Schema (draft 2020-12 semantics for the keywords it has), for checking a model's output
/// before anything acts on it.
///
/// Keywords: `type` (a name or a list of `null`, `boolean`, `integer`, `number`, `string`, `array`, `object`;
/// `integer` also accepts a number with no fraction), `properties`, `required`, `additionalProperties` (`false`,
/// `true` or a schema; absent means allowed, as in JSON Schema), `enum`, `const`, `items` (one schema for every
/// element), `minItems`, `maxItems`, `minLength`, `maxLength` (in Unicode scalars), `minimum`, `maximum`, `pattern`
/// (the ``SafePattern`` subset, matched in linear time), and the annotations `title` and `description`. Any other
/// keyword — `$ref`, `anyOf`, `format`, a misspelling — is refused when the schema is built: a keyword silently
/// ignored is a check silently skipped.
///
/// Bounds: at most ``maximumNodes`` schemas nested at most ``maximumDepth`` deep; at most ``maximumViolations``
/// violations reported per value.
public struct JSONSchema: Sendable {
    public static let maximumDepth = 32
    public static let maximumNodes = 1024
    public static let maximumViolations = 64

    let root: SchemaNode

    public init(_ schema: JSONValue) throws(GuardError) {
        var builder = SchemaBuilder()
        root = try builder.node(schema, at: "$", depth: 0)
    }

    /// Every way `value` breaks the schema (empty when it matches), each with its path.
    public func violations(of value: JSONValue) -> [SchemaViolation] {
        var collector = ViolationCollector()
        root.check(value, at: "$", into: &collector)
        return collector.violations
    }
}

struct ViolationCollector {
    private(set) var violations: [SchemaViolation] = []

    var full: Bool { violations.count >= JSONSchema.maximumViolations }

    mutating func add(_ path: String, _ message: String) {
        if violations.count < JSONSchema.maximumViolations - 1 {
            violations.append(SchemaViolation(path: path, message: message))
        } else if violations.count == JSONSchema.maximumViolations - 1 {
            violations.append(SchemaViolation(path: "$", message: "more violations not listed"))
        }
    }
}
