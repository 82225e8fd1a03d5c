import Audit
import Capabilities

/// The audit page's search form, as the browser sends it (a GET query string). Each field is checked on its own
/// so that a refusal names the field; the service then parses them together, as it parses the gRPC filters.
struct AuditSearch: Decodable {
    var since: String?
    var until: String?
    var agent: String?
    var type: String?
    var action: String?
    var target: String?
    var result: String?
    var risk: String?
    /// Where the previous page ended (`YYYY-MM-DD.SEQ`).
    var before: String?

    /// The form's fields: the query string's name, the ledger filter's name, the label the page shows.
    static let fields: [(name: String, filter: String, label: String)] = [
        ("since", "since", "From"), ("until", "until", "To"), ("agent", "agent", "Agent"), ("type", "type", "Type"),
        ("action", "action", "Action"), ("target", "target-prefix", "Target starts with"),
        ("result", "result", "Result"), ("risk", "risk", "Risk"),
    ]

    func value(_ name: String) -> String? {
        let value: String? =
            switch name {
            case "since": since
            case "until": until
            case "agent": agent
            case "type": type
            case "action": action
            case "target": target
            case "result": result
            case "risk": risk
            default: nil
            }
        return value.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The non-empty fields as ledger filters; a field that cannot be one is refused, naming it.
    func filters(now: Timestamp) throws(ConsoleRefusal) -> [(name: String, value: String)] {
        var filters: [(name: String, value: String)] = []
        for field in Self.fields {
            guard let value = value(field.name) else { continue }
            do {
                _ = try AuditQuery(filters: [(field.filter, value)], now: now)
            } catch {
                // The parser speaks of the CLI's options (`--since '…' is not a time`): the page names the field.
                let option = "--\(field.filter) "
                let reason =
                    error.message.hasPrefix(option) ? String(error.message.dropFirst(option.count)) : error.message
                throw ConsoleRefusal(status: .badRequest, problem: "Search field “\(field.label)”: \(reason)")
            }
            filters.append((field.filter, value))
        }
        return filters
    }

    /// The page to continue from; a value the console did not make is refused.
    var position: LedgerPosition? {
        get throws(ConsoleRefusal) {
            guard let before, !before.isEmpty else { return nil }
            guard let position = LedgerPosition(before) else {
                throw ConsoleRefusal(
                    status: .badRequest, problem: "Search: “before” must be a ledger position (YYYY-MM-DD.SEQ).")
            }
            return position
        }
    }

    /// The filled-in fields, for the form (shown again) and for the links to the next page and the export.
    var values: [String: Any] {
        var values: [String: Any] = [:]
        for field in Self.fields { values[field.name] = value(field.name) ?? "" }
        return values
    }

    /// The query string of this search (without `before`), percent-encoded.
    var queryString: String {
        Self.fields.compactMap { field in
            value(field.name).map { "\(field.name)=\(Self.encode($0))" }
        }.joined(separator: "&")
    }

    static func encode(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                encoded.unicodeScalars.append("%")
                encoded.unicodeScalars.append(hex[Int(byte >> 4)])
                encoded.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return encoded
    }
}
