import Foundation

/// One line of `journalctl --output=json`: an entry's fields. journalctl prints a field as a string, as an array
/// of byte values when it is not UTF-8, as an array of those when the entry holds the field more than once, and as
/// null when it is too large to print.
public struct JournalEntry: Sendable, Decodable {
    public enum Value: Hashable, Sendable, Decodable {
        case text(String)
        case bytes([UInt8])
        case several
        case absent

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .absent
            } else if let text = try? container.decode(String.self) {
                self = .text(text)
            } else if let bytes = try? container.decode([UInt8].self) {
                self = .bytes(bytes)
            } else {
                // An array of strings or of byte arrays: the field appears more than once in the entry.
                _ = try container.decode([Value].self)
                self = .several
            }
        }

        /// The value as text, when it is a single UTF-8 string.
        var text: String? { if case .text(let text) = self { text } else { nil } }

        /// The value's bytes, when it is a single value (a message may be any bytes).
        var bytes: [UInt8]? {
            switch self {
            case .text(let text): Array(text.utf8)
            case .bytes(let bytes): bytes
            case .several, .absent: nil
            }
        }
    }

    public let fields: [String: Value]

    public init(fields: [String: Value]) { self.fields = fields }

    public init(from decoder: any Decoder) throws {
        fields = try decoder.singleValueContainer().decode([String: Value].self)
    }

    /// Parses one line of journalctl's JSON output; nil when it is not one JSON object.
    public static func parse(_ line: some Collection<UInt8>) -> JournalEntry? {
        try? JSONDecoder().decode(JournalEntry.self, from: Data(line))
    }

    public subscript(_ name: String) -> Value { fields[name] ?? .absent }

    /// Where the journal is, to resume after it (`--after-cursor`).
    public var cursor: String? { self["__CURSOR"].text }
}
