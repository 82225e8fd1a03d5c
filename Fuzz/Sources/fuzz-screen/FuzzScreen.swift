import Guard

/// Feeds arbitrary bytes to `UntrustedText.screen`: the first byte says how many of the next bytes are the source
/// name, the rest (as UTF-8, invalid sequences repaired) is the text. Properties checked: the block opens with the
/// boundary on its first line and closes with it on its last; the closing line occurs once; every line between
/// starts with the datamark (so the text cannot close the block early); reasons are fixed phrases.
public func fuzzScreen(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let sourceLength = min(Int(bytes.first ?? 0), max(size - 1, 0))
    let source = String(decoding: bytes.dropFirst().prefix(sourceLength), as: UTF8.self)
    let text = String(decoding: bytes.dropFirst(1 + sourceLength), as: UTF8.self)
    let screened = UntrustedText.screen(text, source: source)
    let closing = "</untrusted-data boundary=\"\(screened.boundary)\">"
    let lines = screened.marked.split(separator: "\n", omittingEmptySubsequences: false)
    guard let first = lines.first, first.hasPrefix("<untrusted-data source=\""),
        first.hasSuffix("\" boundary=\"\(screened.boundary)\">"), first.filter({ $0 == "\"" }).count == 4
    else { fatalError("the opening line is not the block's") }
    guard lines.last.map(String.init) == closing else { fatalError("the block does not end with its closing line") }
    guard screened.marked.components(separatedBy: closing).count == 2 else { fatalError("the closing line twice") }
    for line in lines.dropFirst().dropLast() where !line.hasPrefix(screened.datamark) {
        fatalError("a line of the text without the datamark")
    }
    let phrases = Set(ScreeningReason.allCases.map(\.rawValue))
    guard screened.reasons.allSatisfy(phrases.contains), screened.risky == !screened.reasons.isEmpty else {
        fatalError("a reason that is not a fixed phrase")
    }
    return 0
}

extension String {
    fileprivate func components(separatedBy separator: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}
