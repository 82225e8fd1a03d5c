/// Why screened text counts as risky: fixed phrases, so a reason never carries the input's words.
public enum ScreeningReason: String, CaseIterable, Sendable {
    case truncated = "input cut to the size limit"
    case overrideInstructions = "asks to ignore or replace instructions"
    case rolePlay = "asks the reader to take a role"
    case roleHeader = "contains a chat role header"
    case securityRequest = "asks to weaken a security control"
    case toolCallSyntax = "contains tool-call syntax"
    case zeroWidth = "hidden Unicode: zero-width characters"
    case bidiControl = "hidden Unicode: bidirectional controls"
    case tagCharacters = "hidden Unicode: tag characters"
    case controlCharacters = "control characters"
    case mixedScript = "words mixing Latin with look-alike letters"
    case encodedInstructions = "base64 text that decodes to instructions"
}
