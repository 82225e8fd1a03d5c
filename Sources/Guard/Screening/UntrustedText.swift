/// Text from outside (a web page, a log line, a file an agent read, another model's answer) screened before a model
/// sees it: ``marked`` is the text inside a delimited, datamarked block; ``risky`` and ``reasons`` say whether it
/// looks like it tries to instruct the reader.
public struct ScreenedText: Sendable, Hashable {
    /// The block to put into a prompt: the opening line, every line of the text behind the datamark, the closing line.
    public let marked: String
    /// True when any heuristic fired (see ``reasons``) or the text was cut.
    public let risky: Bool
    /// Short fixed phrases (``ScreeningReason``); never a word of the input.
    public let reasons: [String]
    /// The random per-call boundary (32 hex digits) that appears in the opening and closing lines.
    public let boundary: String
    /// The prefix of every line of the text inside the block.
    public let datamark: String
}

/// Spotlighting for untrusted text: a block whose boundary the text cannot forge, every line datamarked, and
/// heuristics for text that tries to act as instructions.
///
/// What it guarantees: the block cannot be closed from inside (the closing line carries 128 random bits chosen
/// after the text is known, and every line of the text starts with the datamark, so no line of it can *be* the
/// closing line); line-breaking characters other than `\n` cannot start an unmarked line (they become `\n`, marked);
/// invisible characters (zero-width, bidi controls, tag characters, C0/C1 controls) are shown as `<U+XXXX>` so what
/// the model reads is what a human reviewing the prompt reads. What it cannot guarantee: that a model treats the
/// block as data. Spotlighting lowers the success rate of injections; it does not make them impossible, which is why
/// a model's answer is still validated (``JSONSchema``) and its actions bounded by the caller.
public enum UntrustedText {
    /// Longer input is cut to this many bytes of UTF-8 (at a character boundary) and the cut is a reason.
    public static let maximumBytes = 64 * 1024

    /// Screens `text` from `source` (a short name such as `web:example.org` or `log:auth`; characters outside
    /// `[A-Za-z0-9._:/@-]` become `_`, and it is cut to 64 characters).
    public static func screen(_ text: String, source: String) -> ScreenedText {
        var generator = SystemRandomNumberGenerator()
        return screen(text, source: source, using: &generator)
    }

    /// ``screen(_:source:)`` with the boundary drawn from `generator` (tests use a seeded one).
    public static func screen(
        _ text: String, source: String, using generator: inout some RandomNumberGenerator
    ) -> ScreenedText {
        let (bounded, truncated) = truncate(text)
        var reasons = InjectionHeuristics.reasons(in: bounded)
        if truncated { reasons.insert(.truncated, at: 0) }
        let phrases = reasons.map(\.rawValue)
        let block = Spotlight.mark(bounded, source: source, using: &generator)
        return ScreenedText(
            marked: block.text, risky: !phrases.isEmpty, reasons: phrases, boundary: block.boundary,
            datamark: block.datamark)
    }

    /// The first ``maximumBytes`` bytes of `text`, cut before the character that would cross the limit.
    static func truncate(_ text: String) -> (String, Bool) {
        guard text.utf8.count > maximumBytes else { return (text, false) }
        var kept = ""
        var size = 0
        for character in text {
            size += character.utf8.count
            if size > maximumBytes { break }
            kept.append(character)
        }
        return (kept, true)
    }
}
