import Audit

/// The JSON types a schema can name.
enum SchemaType: String, CaseIterable, Sendable {
    case null, boolean, integer, number, string, array, object
}

/// One parsed schema: only the keywords the subset has, already checked for their own types.
final class SchemaNode: Sendable {
    enum Additional: Sendable {
        case allowed
        case forbidden
        case schema(SchemaNode)
    }

    let types: Set<SchemaType>?
    let properties: [(key: String, node: SchemaNode)]
    let required: [String]
    let additional: Additional
    let allowedValues: [JSONValue]?
    let constant: JSONValue?
    let items: SchemaNode?
    let itemCount: ClosedRange<Int>
    let length: ClosedRange<Int>
    let minimum: Double?
    let maximum: Double?
    let pattern: SafePattern?

    init(
        types: Set<SchemaType>?, properties: [(key: String, node: SchemaNode)], required: [String],
        additional: Additional, allowedValues: [JSONValue]?, constant: JSONValue?, items: SchemaNode?,
        itemCount: ClosedRange<Int>, length: ClosedRange<Int>, minimum: Double?, maximum: Double?,
        pattern: SafePattern?
    ) {
        self.types = types
        self.properties = properties
        self.required = required
        self.additional = additional
        self.allowedValues = allowedValues
        self.constant = constant
        self.items = items
        self.itemCount = itemCount
        self.length = length
        self.minimum = minimum
        self.maximum = maximum
        self.pattern = pattern
    }

    func property(_ key: String) -> SchemaNode? { properties.first { $0.key == key }?.node }
}
