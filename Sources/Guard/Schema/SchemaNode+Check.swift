import Audit

extension SchemaNode {
    func check(_ value: JSONValue, at path: String, into collector: inout ViolationCollector) {
        guard !collector.full else { return }
        if let types, !types.contains(where: { Self.value(value, is: $0) }) {
            let names = types.map(\.rawValue).sorted().joined(separator: " or ")
            collector.add(path, "expected \(names), found \(Self.typeName(value))")
            return
        }
        if let allowedValues, !allowedValues.contains(value) { collector.add(path, "not one of the allowed values") }
        if let constant, constant != value { collector.add(path, "not the required constant") }
        switch value {
        case .string(let text): checkString(text, at: path, into: &collector)
        case .integer(let number): checkNumber(Double(number), at: path, into: &collector)
        case .number(let number): checkNumber(number, at: path, into: &collector)
        case .array(let elements): checkArray(elements, at: path, into: &collector)
        case .object(let members): checkObject(members, at: path, into: &collector)
        case .null, .bool: break
        }
    }

    private func checkString(_ text: String, at path: String, into collector: inout ViolationCollector) {
        let count = text.unicodeScalars.count
        if count < length.lowerBound { collector.add(path, "shorter than \(length.lowerBound) characters") }
        if count > length.upperBound { collector.add(path, "longer than \(length.upperBound) characters") }
        if let pattern, !pattern.matches(text) { collector.add(path, "does not match the pattern") }
    }

    private func checkNumber(_ number: Double, at path: String, into collector: inout ViolationCollector) {
        if let minimum, !(number >= minimum) { collector.add(path, "below the minimum \(minimum)") }
        if let maximum, !(number <= maximum) { collector.add(path, "above the maximum \(maximum)") }
    }

    private func checkArray(_ elements: [JSONValue], at path: String, into collector: inout ViolationCollector) {
        if elements.count < itemCount.lowerBound { collector.add(path, "fewer than \(itemCount.lowerBound) items") }
        if elements.count > itemCount.upperBound {
            collector.add(path, "more than \(itemCount.upperBound) items")
            return
        }
        guard let items else { return }
        for (index, element) in elements.enumerated() {
            items.check(element, at: SchemaPath.index(path, index), into: &collector)
        }
    }

    private func checkObject(
        _ members: [(key: String, value: JSONValue)], at path: String, into collector: inout ViolationCollector
    ) {
        for name in required where !members.contains(where: { $0.key == name }) {
            collector.add(SchemaPath.member(path, name), "required member missing")
        }
        for member in members {
            let memberPath = SchemaPath.member(path, member.key)
            if let node = property(member.key) {
                node.check(member.value, at: memberPath, into: &collector)
                continue
            }
            switch additional {
            case .allowed: break
            case .forbidden: collector.add(memberPath, "member not allowed")
            case .schema(let node): node.check(member.value, at: memberPath, into: &collector)
            }
        }
    }

    static func value(_ value: JSONValue, is type: SchemaType) -> Bool {
        switch (type, value) {
        case (.null, .null), (.boolean, .bool), (.string, .string), (.array, .array), (.object, .object): true
        case (.integer, .integer), (.number, .integer), (.number, .number): true
        case (.integer, .number(let number)): number.isFinite && number.rounded() == number
        default: false
        }
    }

    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
