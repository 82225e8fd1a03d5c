/// The delimited, datamarked block: an opening line naming the source and the boundary, every line of the text
/// behind the datamark, a closing line with the boundary.
///
/// Datamarking here marks every *line* (a prefix), not every word: interleaving a marker between words (the other
/// published variant) changes how the text tokenises and hurts the model's reading of log lines and paths, while a
/// line prefix is what makes the block unforgeable — the closing line is the only line of the block that does not
/// start with the datamark, so text that copies the closing line still sits behind a datamark. The datamark stays
/// whole character by character too: a line starting with a combining mark gets a dotted circle (U+25CC) to sit on.
enum Spotlight {
    struct Block {
        let text: String
        let boundary: String
        let datamark: String
    }

    static func mark(_ text: String, source: String, using generator: inout some RandomNumberGenerator) -> Block {
        let shown = visible(text)
        var boundary = randomHex(using: &generator)
        // 128 random bits will not be in the text, but a text that holds them must not make the property false.
        while shown.contains(boundary) { boundary = randomHex(using: &generator) }
        let datamark = String(boundary.prefix(8)) + "| "
        var out = "<untrusted-data source=\"\(sourceName(source))\" boundary=\"\(boundary)\">\n"
        for line in shown.split(separator: "\n", omittingEmptySubsequences: false) {
            out += datamark
            // A line that starts with a combining mark would join the datamark's last character (and change how
            // the datamark reads): the mark goes on a dotted circle, as a mark shown alone usually does.
            if !(datamark + line).hasPrefix(datamark) { out += "\u{25CC}" }
            out += line
            out += "\n"
        }
        out += closing(boundary)
        return Block(text: out, boundary: boundary, datamark: datamark)
    }

    /// The closing line of the block with `boundary` (no line break after it).
    static func closing(_ boundary: String) -> String { "</untrusted-data boundary=\"\(boundary)\">" }

    /// `source` restricted to `[A-Za-z0-9._:/@-]` and 64 characters, so it cannot close the opening line's quote.
    static func sourceName(_ source: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/@-".unicodeScalars)
        let name = String(
            String.UnicodeScalarView(source.unicodeScalars.prefix(64).map { allowed.contains($0) ? $0 : "_" }))
        return name.isEmpty ? "_" : name
    }

    /// The text with every line break as `\n` and every invisible or control character as `<U+XXXX>`.
    static func visible(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            if scalar == "\n" && previousCR { continue }
            if HiddenUnicode.isLineBreak(scalar) {
                out.append("\n")
            } else if HiddenUnicode.kind(of: scalar) != nil {
                out.append(contentsOf: "<U+\(hex(scalar.value))>".unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    static func randomHex(using generator: inout some RandomNumberGenerator) -> String {
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return [high, low].map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }.joined()
    }
}
