import Foundation
import SwiftProtobuf

/// A request field over its limit: which field and how large it was, never what it held.
public struct FieldOverLimit: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    public let field: String
    public let bytes: Int
    public let limit: Int
    /// Over the arguments' 4 MiB: answered `resourceExhausted`, as the daemon always has.
    public let exhausts: Bool

    public var description: String {
        exhausts
            ? "the \(field) hold \(bytes) bytes; the limit is \(limit) (\(limit >> 20) MiB)"
            : "the field '\(field)' holds \(bytes) bytes; the limit is \(limit)"
    }
}

/// Measures every string, bytes and map field of a decoded message (a SwiftProtobuf `Visitor` driven by the
/// message's own `traverse`, so every field is seen, nested messages and unknown fields included) and compares each
/// field's total against `FieldLimits`. Nothing is copied: a string's UTF-8 count is read in place.
public struct FieldSizeWalker: Sendable {
    let limits: FieldLimits

    public init(_ limits: FieldLimits = .standard) { self.limits = limits }

    /// The first field over its limit (in field-number order), or nil.
    public func check(_ message: any SwiftProtobuf.Message) -> FieldOverLimit? {
        var visitor = SizeVisitor(limits: limits, message: type(of: message).protoMessageName)
        do {
            try message.traverse(visitor: &visitor)
        } catch {
            // The visitor throws only to stop at an over-limit nested message; it recorded it.
        }
        return visitor.found ?? visitor.overLimit()
    }
}

private struct SizeVisitor: SwiftProtobuf.Visitor {
    let limits: FieldLimits
    let message: String
    var totals: [Int: Int] = [:]
    var longestKeys: [Int: Int] = [:]
    var unknown = 0
    var found: FieldOverLimit?

    struct Stop: Error {}

    init(limits: FieldLimits, message: String) {
        self.limits = limits
        self.message = message
    }

    func overLimit() -> FieldOverLimit? {
        for number in totals.keys.sorted() {
            let limit = limits.limit(message: message, field: number)
            let bytes = totals[number] ?? 0
            if bytes > limit.bytes {
                return FieldOverLimit(
                    message: message, field: limit.field, bytes: bytes, limit: limit.bytes, exhausts: limit.exhausts)
            }
            if let key = longestKeys[number], key > limit.keyBytes {
                return FieldOverLimit(
                    message: message, field: limit.field + " key", bytes: key, limit: limit.keyBytes, exhausts: false)
            }
        }
        if unknown > FieldLimits.unknownBytes {
            return FieldOverLimit(
                message: message, field: "unknown fields", bytes: unknown, limit: FieldLimits.unknownBytes,
                exhausts: false)
        }
        return nil
    }

    private mutating func add(_ bytes: Int, to number: Int) { totals[number, default: 0] += bytes }

    private static func size(_ value: Any) -> Int {
        switch value {
        case let text as String: text.utf8.count
        case let data as Data: data.count
        default: 0
        }
    }

    mutating func visitSingularStringField(value: String, fieldNumber: Int) throws {
        add(value.utf8.count, to: fieldNumber)
    }

    mutating func visitSingularBytesField(value: Data, fieldNumber: Int) throws { add(value.count, to: fieldNumber) }

    mutating func visitSingularMessageField<M: Message>(value: M, fieldNumber: Int) throws {
        if let nested = FieldSizeWalker(limits).check(value) {
            found = nested
            throw Stop()
        }
    }

    mutating func visitMapField<KeyType, ValueType: MapValueType>(
        fieldType: _ProtobufMap<KeyType, ValueType>.Type, value: _ProtobufMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws {
        for (key, element) in value { addEntry(key: key, value: element, to: fieldNumber) }
    }

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufEnumMap<KeyType, ValueType>.Type, value: _ProtobufEnumMap<KeyType, ValueType>.BaseType,
        fieldNumber: Int
    ) throws where ValueType.RawValue == Int {
        for (key, element) in value { addEntry(key: key, value: element, to: fieldNumber) }
    }

    mutating func visitMapField<KeyType, ValueType>(
        fieldType: _ProtobufMessageMap<KeyType, ValueType>.Type,
        value: _ProtobufMessageMap<KeyType, ValueType>.BaseType, fieldNumber: Int
    ) throws {
        for (key, element) in value {
            addEntry(key: key, value: "", to: fieldNumber)
            try visitSingularMessageField(value: element, fieldNumber: fieldNumber)
        }
    }

    private mutating func addEntry(key: Any, value: Any, to number: Int) {
        let keyBytes = Self.size(key)
        longestKeys[number] = max(longestKeys[number] ?? 0, keyBytes)
        add(keyBytes + Self.size(value), to: number)
    }

    mutating func visitUnknown(bytes: Data) throws { unknown += bytes.count }

    // Numbers, booleans and enums have a fixed size: nothing to bound.
    mutating func visitSingularDoubleField(value: Double, fieldNumber: Int) throws {}
    mutating func visitSingularInt64Field(value: Int64, fieldNumber: Int) throws {}
    mutating func visitSingularUInt64Field(value: UInt64, fieldNumber: Int) throws {}
    mutating func visitSingularBoolField(value: Bool, fieldNumber: Int) throws {}
    mutating func visitSingularEnumField<E: Enum>(value: E, fieldNumber: Int) throws {}
}
