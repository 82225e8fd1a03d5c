/// Debian control data (RFC 822-style paragraphs: `Field: value`, continuation lines starting with a space,
/// paragraphs separated by blank lines), as `Release` and `Packages` files hold it. Only read after the signature
/// and hash chain that covers the text has been checked.
public struct ControlStanza: Sendable, Equatable {
    /// Field names as written (case kept); values without the leading space, continuation lines joined with `\n`.
    public private(set) var fields: [(name: String, value: String)] = []

    public static func == (lhs: ControlStanza, rhs: ControlStanza) -> Bool {
        lhs.fields.map(\.name) == rhs.fields.map(\.name) && lhs.fields.map(\.value) == rhs.fields.map(\.value)
    }

    /// A field's value (field names are case-insensitive).
    public subscript(name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every paragraph of `text`; a line that is neither a field nor a continuation is an error naming its line.
    public static func parse(_ text: String) throws(PackageError) -> [ControlStanza] {
        var stanzas: [ControlStanza] = []
        var current = ControlStanza()
        for (index, line) in lines(text).enumerated() {
            if line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) {
                if !current.fields.isEmpty { stanzas.append(current) }
                current = ControlStanza()
            } else if line.first == " " || line.first == "\t" {
                guard !current.fields.isEmpty else {
                    throw .verification("control data line \(index + 1): a continuation with no field before it")
                }
                let continued = line.dropFirst()
                current.fields[current.fields.count - 1].value += "\n" + (continued == "." ? "" : continued)
            } else if let colon = line.firstIndex(of: ":"), colon != line.startIndex {
                let value = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
                current.fields.append((String(line[..<colon]), String(value)))
            } else if !line.hasPrefix("#") {
                throw .verification("control data line \(index + 1): not a 'Field: value' line")
            }
        }
        if !current.fields.isEmpty { stanzas.append(current) }
        return stanzas
    }

    /// Lines ending in LF or CRLF (Swift takes "\r\n" as one character, which a split on "\n" would not see).
    static func lines(_ text: String, omittingEmpty: Bool = false) -> [Substring] {
        text.split(omittingEmptySubsequences: omittingEmpty) { $0 == "\n" || $0 == "\r\n" }
    }

    /// The lines of a multi-line field split into words (`Release`'s `SHA256:` list: hash, size, path).
    public func table(_ name: String) -> [[Substring]] {
        Self.lines(self[name] ?? "", omittingEmpty: true).map { $0.split(separator: " ") }.filter { !$0.isEmpty }
    }
}

/// One line of `dpkg-deb --contents`: `MODE OWNER/GROUP SIZE DATE TIME ./PATH[ -> TARGET]`.
public struct ArchiveMember: Sendable, Equatable {
    public let mode: String
    /// Absolute, without the leading `.`.
    public let path: String

    public var isSetID: Bool {
        let characters = Array(mode)
        return characters.count >= 7 && ("sS".contains(characters[3]) || "sS".contains(characters[6]))
    }

    public var isDirectory: Bool { mode.first == "d" }

    public static func parse(_ listing: String) throws(PackageError) -> [ArchiveMember] {
        var members: [ArchiveMember] = []
        for line in ControlStanza.lines(listing, omittingEmpty: true) {
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[0].count == 10 else {
                throw .verification("unexpected archive listing line: \(line.prefix(200))")
            }
            var path = String(fields[5])
            if fields[0].first == "l", let arrow = path.range(of: " -> ") { path = String(path[..<arrow.lowerBound]) }
            if fields[0].first == "h", let link = path.range(of: " link to ") {
                path = String(path[..<link.lowerBound])
            }
            guard path.hasPrefix("./") || path == "." else {
                throw .verification("archive member outside the root: \(path.prefix(200))")
            }
            path = String(path.dropFirst())
            if path.isEmpty || path == "/" { continue }
            if path.hasSuffix("/") { path.removeLast() }
            members.append(ArchiveMember(mode: String(fields[0]), path: path))
        }
        return members
    }
}
