/// Characters a reader does not see but a model does: zero-width characters, bidirectional controls, tag characters
/// (U+E0000–U+E007F, which spell ASCII invisibly), and C0/C1 controls other than tab and line breaks.
enum HiddenUnicode {
    enum Kind {
        case zeroWidth
        case bidi
        case tag
        case control
    }

    static func kind(of scalar: Unicode.Scalar) -> Kind? {
        switch scalar.value {
        case 0x200B...0x200D, 0x2060...0x2064, 0xFEFF, 0x180E, 0x00AD, 0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0:
            .zeroWidth
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C: .bidi
        case 0xE0000...0xE007F: .tag
        case 0x00...0x08, 0x0E...0x1F, 0x7F...0x84, 0x86...0x9F: .control
        default: nil
        }
    }

    /// Characters that end a line for some reader: each becomes `\n` (and so gets its own datamark).
    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: true
        default: false
        }
    }

    /// The ASCII that tag characters spell (U+E0020–U+E007E map to U+0020–U+007E), for the heuristics to read.
    static func tagText(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where (0xE0020...0xE007E).contains(scalar.value) {
            if let ascii = Unicode.Scalar(scalar.value - 0xE0000) { out.append(ascii) }
        }
        return String(out)
    }
}
