import Foundation

/// One element of a named set as the kernel holds it now.
public struct LiveElement: Hashable, Sendable {
    /// `blocked4`, `allow6`, …
    public let set: String
    /// The element in nft's text: `192.0.2.1`, or `192.0.2.1 . tcp . 443` in the allow sets.
    public let key: String
    /// Seconds left before the kernel removes it (nil: no timeout).
    public let expiresIn: Int?
    public let comment: String?

    /// The element in an `add element` command, with what is left of its timeout.
    var addText: String {
        var text = key
        if let expiresIn { text += " timeout \(expiresIn)s" }
        if let comment { text += " comment \(NftText.quoted(comment))" }
        return text
    }

    /// Parses `nft -j list set …` output.
    static func parse(json: String, set: String) throws(FirewallError) -> [LiveElement] {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let objects = root["nftables"] as? [[String: Any]]
        else { throw .unavailable("libnftables printed a set listing that is not the JSON it documents") }
        var elements: [LiveElement] = []
        for object in objects {
            guard let body = object["set"] as? [String: Any], let items = body["elem"] as? [Any] else { continue }
            for item in items {
                if let element = item as? [String: Any], let fields = element["elem"] as? [String: Any] {
                    guard let key = keyText(fields["val"]) else { continue }
                    elements.append(
                        LiveElement(
                            set: set, key: key, expiresIn: (fields["expires"] as? NSNumber)?.intValue,
                            comment: fields["comment"] as? String))
                } else if let key = keyText(item) {
                    elements.append(LiveElement(set: set, key: key, expiresIn: nil, comment: nil))
                }
            }
        }
        return elements
    }

    private static func keyText(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        if let prefix = (value as? [String: Any])?["prefix"] as? [String: Any], let address = prefix["addr"] as? String,
            let length = prefix["len"] as? NSNumber
        {
            return "\(address)/\(length.intValue)"
        }
        if let concat = (value as? [String: Any])?["concat"] as? [Any] {
            let parts = concat.compactMap { keyText($0) }
            return parts.count == concat.count ? parts.joined(separator: " . ") : nil
        }
        return nil
    }
}

/// Text that goes into nft commands from outside (reasons, comments).
enum NftText {
    /// A double-quoted nft string: printable ASCII only, no quotes or backslashes, at most 120 bytes (the kernel
    /// keeps 128 bytes of comment).
    static func quoted(_ text: String) -> String {
        let kept = text.unicodeScalars.map { scalar -> Character in
            (0x20..<0x7F).contains(scalar.value) && scalar != "\"" && scalar != "\\" ? Character(scalar) : "_"
        }
        return "\"" + String(kept.prefix(120)) + "\""
    }
}
