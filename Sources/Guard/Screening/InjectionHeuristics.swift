/// Heuristics for text that tries to act as instructions to the model reading it. They flag; they never block:
/// a flag is a signal for the caller (and a reason shown to the model and the human reviewer), not a proof.
enum InjectionHeuristics {
    /// The reasons that apply to `text`, in ``ScreeningReason``'s order.
    static func reasons(in text: String) -> [ScreeningReason] {
        var found = Set<ScreeningReason>()
        for scalar in text.unicodeScalars {
            switch HiddenUnicode.kind(of: scalar) {
            case .zeroWidth: found.insert(.zeroWidth)
            case .bidi: found.insert(.bidiControl)
            case .tag: found.insert(.tagCharacters)
            case .control: found.insert(.controlCharacters)
            case nil: break
            }
        }
        let normal = NormalText(text)
        if normal.hasMixedScriptWord { found.insert(.mixedScript) }
        found.formUnion(phraseReasons(normal))
        // Tag characters spell ASCII invisibly: read what they spell, too.
        let hidden = HiddenUnicode.tagText(text)
        if !hidden.isEmpty { found.formUnion(phraseReasons(NormalText(hidden))) }
        if Base64Blobs.decodedTexts(in: text).contains(where: { !phraseReasons(NormalText($0)).isEmpty }) {
            found.insert(.encodedInstructions)
        }
        return ScreeningReason.allCases.filter(found.contains)
    }

    /// The reasons read from words and lines (not from hidden characters).
    static func phraseReasons(_ text: NormalText) -> Set<ScreeningReason> {
        var found = Set<ScreeningReason>()
        if PhraseRules.override.contains(where: { $0.matches(text.words) }) { found.insert(.overrideInstructions) }
        if PhraseRules.rolePlay.contains(where: { $0.matches(text.words) }) { found.insert(.rolePlay) }
        if PhraseRules.securityRequest.contains(where: { $0.matches(text.words) }) { found.insert(.securityRequest) }
        if PhraseRules.hasRoleHeader(text.lowered) { found.insert(.roleHeader) }
        if PhraseRules.toolCallMarkers.contains(where: { text.compact.contains($0) }) { found.insert(.toolCallSyntax) }
        return found
    }
}
