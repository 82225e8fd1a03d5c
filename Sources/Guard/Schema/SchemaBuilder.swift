import Audit

/// Builds ``SchemaNode``s from a schema document, refusing what the subset does not have.
struct SchemaBuilder {
    static let keywords: Set<String> = [
        "type", "properties", "required", "additionalProperties", "enum", "const", "items", "minItems", "maxItems",
        "minLength", "maxLength", "minimum", "maximum", "pattern", "title", "description",
    ]

    private var nodes = 0

    mutating func node(_ schema: JSONValue, at path: String, depth: Int) throws(GuardError) -> SchemaNode {
        nodes += 1
        guard nodes <= JSONSchema.maximumNodes else {
            throw GuardError("schema: more than \(JSONSchema.maximumNodes) schemas")
        }
        guard depth < JSONSchema.maximumDepth else {
            throw GuardError("schema: nested deeper than \(JSONSchema.maximumDepth) levels at \(path)")
        }
        guard case .object(let members) = schema else { throw GuardError("schema: not an object at \(path)") }
        for member in members where !Self.keywords.contains(member.key) {
            throw GuardError("schema: unsupported keyword at \(SchemaPath.member(path, member.key))")
        }
        for keyword in ["title", "description"] where schema[keyword].map({ $0.stringValue == nil }) ?? false {
            throw Self.wrong(path, keyword, "a string")
        }
        var properties: [(key: String, node: SchemaNode)] = []
        if let value = schema["properties"] {
            guard case .object(let entries) = value else { throw Self.wrong(path, "properties", "an object") }
            for entry in entries {
                let child = SchemaPath.member(SchemaPath.member(path, "properties"), entry.key)
                properties.append((entry.key, try node(entry.value, at: child, depth: depth + 1)))
            }
        }
        let additional: SchemaNode.Additional
        switch schema["additionalProperties"] {
        case nil, .bool(true): additional = .allowed
        case .bool(false): additional = .forbidden
        case .some(let value):
            additional = .schema(
                try node(value, at: SchemaPath.member(path, "additionalProperties"), depth: depth + 1))
        }
        var items: SchemaNode?
        if let value = schema["items"] {
            items = try node(value, at: SchemaPath.member(path, "items"), depth: depth + 1)
        }
        return SchemaNode(
            types: try Self.types(schema["type"], path), properties: properties,
            required: try Self.required(schema["required"], path), additional: additional,
            allowedValues: try Self.allowedValues(schema["enum"], path), constant: schema["const"], items: items,
            itemCount: try Self.range(schema, "minItems", "maxItems", path),
            length: try Self.range(schema, "minLength", "maxLength", path),
            minimum: try Self.number(schema["minimum"], "minimum", path),
            maximum: try Self.number(schema["maximum"], "maximum", path),
            pattern: try schema["pattern"].map { (value) throws(GuardError) in try Self.pattern(value, path) })
    }

    static func wrong(_ path: String, _ keyword: String, _ expected: String) -> GuardError {
        GuardError("schema: \(keyword) must be \(expected) at \(path)")
    }

    static func types(_ value: JSONValue?, _ path: String) throws(GuardError) -> Set<SchemaType>? {
        guard let value else { return nil }
        let names: [JSONValue]
        switch value {
        case .string: names = [value]
        case .array(let list) where !list.isEmpty: names = list
        default: throw wrong(path, "type", "a type name or a list of them")
        }
        var types = Set<SchemaType>()
        for name in names {
            guard let text = name.stringValue, let type = SchemaType(rawValue: text) else {
                throw wrong(path, "type", "one of \(SchemaType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            types.insert(type)
        }
        return types
    }

    static func required(_ value: JSONValue?, _ path: String) throws(GuardError) -> [String] {
        guard let value else { return [] }
        guard case .array(let list) = value else { throw wrong(path, "required", "a list of names") }
        var names: [String] = []
        for item in list {
            guard let name = item.stringValue else { throw wrong(path, "required", "a list of names") }
            names.append(name)
        }
        return names
    }

    static func allowedValues(_ value: JSONValue?, _ path: String) throws(GuardError) -> [JSONValue]? {
        guard let value else { return nil }
        guard case .array(let list) = value, !list.isEmpty, list.count <= 256 else {
            throw wrong(path, "enum", "a list of 1 to 256 values")
        }
        return list
    }

    static func number(_ value: JSONValue?, _ keyword: String, _ path: String) throws(GuardError) -> Double? {
        switch value {
        case nil: nil
        case .integer(let number): Double(number)
        case .number(let number) where number.isFinite: number
        default: throw wrong(path, keyword, "a number")
        }
    }

    static func count(_ value: JSONValue?, _ keyword: String, _ path: String) throws(GuardError) -> Int? {
        switch value {
        case nil: nil
        case .integer(let number) where number >= 0 && number <= Int64(Int32.max): Int(number)
        default: throw wrong(path, keyword, "a non-negative integer")
        }
    }

    static func range(
        _ schema: JSONValue, _ low: String, _ high: String, _ path: String
    ) throws(GuardError) -> ClosedRange<Int> {
        let lower = try count(schema[low], low, path) ?? 0
        let upper = try count(schema[high], high, path) ?? Int.max
        guard lower <= upper else { throw GuardError("schema: \(low) above \(high) at \(path)") }
        return lower...upper
    }

    static func pattern(_ value: JSONValue, _ path: String) throws(GuardError) -> SafePattern {
        guard let text = value.stringValue else { throw wrong(path, "pattern", "a string") }
        do {
            return try SafePattern(text)
        } catch {
            throw GuardError("schema: pattern at \(path): \(error.message)")
        }
    }
}
