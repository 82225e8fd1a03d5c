/// One way a value does not match a schema: where (a JSONPath such as `$.actions[0].kind`) and what, in words that
/// never quote the value itself.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// JSONPath steps for violations: `.name` for plain member names, `["…"]` (escaped, cut to 64 characters) otherwise,
/// so an attacker's member name cannot forge a path or flood a log line.
enum SchemaPath {
    static func member(_ path: String, _ key: String) -> String {
        let plain =
            !key.isEmpty && key.count <= 64
            && key.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || $0 == "_" || ("0"..."9").contains($0))
            }
        if plain { return path + "." + key }
        let shown = key.unicodeScalars.prefix(64).map { $0.escaped(asASCII: true) }.joined()
        return path + "[\"" + shown + (key.unicodeScalars.count > 64 ? "…" : "") + "\"]"
    }

    static func index(_ path: String, _ index: Int) -> String { "\(path)[\(index)]" }
}
