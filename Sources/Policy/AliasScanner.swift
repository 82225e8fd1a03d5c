/// Finds YAML anchors (`&a`) and aliases (`*a`) before the text is composed.
///
/// Policy files have no use for them, and aliases let a small file expand exponentially ("billion laughs") —
/// in Yams' duplicate-key hashing as much as in our own walk — so they are refused up front. The scan looks at
/// the first character of each node (after indentation, `- `, `? `, `: `, `[`, `{` or `,`), outside quotes and
/// comments; in `fs:read:*` the `*` follows a `:` with no space, so it is not a node start.
enum AliasScanner {
    /// The 1-based line and column of the first anchor or alias, if any.
    static func firstAnchorOrAlias(in yaml: String) -> (line: Int, column: Int)? {
        let characters = Array(yaml)
        var line = 1
        var lineStart = 0
        var atNodeStart = true
        var quote: Character? = nil
        var index = 0
        func followedBySpace(_ i: Int) -> Bool {
            i + 1 >= characters.count || characters[i + 1] == " " || characters[i + 1] == "\t"
                || characters[i + 1] == "\n"
        }
        while index < characters.count {
            let character = characters[index]
            defer { index += 1 }
            if character == "\n" {
                line += 1
                lineStart = index + 1
                if quote == nil { atNodeStart = true }
                continue
            }
            if let open = quote {
                if character == open && (open == "'" || characters[index - 1] != "\\") { quote = nil }
                continue
            }
            switch character {
            case " ", "\t":
                continue
            case "#" where index == lineStart || characters[index - 1] == " " || characters[index - 1] == "\t":
                while index + 1 < characters.count && characters[index + 1] != "\n" { index += 1 }
            case "&", "*":
                if atNodeStart { return (line, index - lineStart + 1) }
                atNodeStart = false
            case "'", "\"":
                if atNodeStart { quote = character }
                atNodeStart = false
            case "[", "{", ",":
                atNodeStart = true
            case "-", "?", ":":
                atNodeStart = followedBySpace(index) && (atNodeStart || character == ":")
            default:
                atNodeStart = false
            }
        }
        return nil
    }
}
