import Capabilities
import Detection
import Policy

/// Feeds arbitrary bytes, split at newlines, to what `ids replay` and the live tail run per line: the auth-log
/// parser and the attempt and brute-force rules (log time as the clock, then timed as read); and to what the
/// journal source runs per line of journalctl's output (the entry, the trust check, the bare-message path, which
/// also gets the line itself as a message). Also the address parser on the first line. Properties checked: no crash; a parsed address prints to text that parses to the same
/// address; an event's port fits its line and its source is an address the line contains; a login's key
/// fingerprint is the line's last word.
public func fuzzAuthLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    var replay = DetectionRules(policy: .defaults(), classicYear: 2026)
    var live = DetectionRules(policy: .defaults(), classicYear: 2026)
    var parser = AuthLogParser(classicYear: 2026)
    let trust = SSHDJournalTrust()
    var start = 0
    for index in 0...size where index == size || bytes[index] == 0x0A {
        let line = UnsafeBufferPointer(rebasing: bytes[start..<index])
        _ = replay.ingestAuthLine(line, receivedAt: nil)
        _ = live.ingestAuthLine(line, receivedAt: .seconds(1_800_000_000))
        _ = live.ingestSSHDMessage(line, pid: 7, now: .seconds(1_800_000_000))
        if let entry = JournalEntry.parse(line), let (message, pid) = trust.message(of: entry) {
            message.withUnsafeBufferPointer { _ = live.ingestSSHDMessage($0, pid: pid, now: .seconds(1_800_000_001)) }
        }
        if case .event(let event) = parser.parse(line) {
            let text = String(decoding: line, as: UTF8.self)
            checkSource(event.source, in: text)
            var trimmed = Substring(text)
            while trimmed.unicodeScalars.last == "\r" { trimmed = trimmed.dropLast() }
            if let fingerprint = event.login?.fingerprint, !trimmed.hasSuffix(" " + fingerprint) {
                fatalError("a login's fingerprint is not the last word of its line: \(text)")
            }
        }
        if start == 0, let address = IPAddress(ascii: line) {
            guard IPAddress(address.description) == address else { fatalError("round trip failed for \(address)") }
        }
        start = index + 1
    }
    _ = replay.flushProbes(now: .seconds(1_800_000_000))
    return 0
}

/// An event's source was read from the line, in whatever spelling (`::FFFF:1.2.3.4`, upper-case hex): one of the
/// line's words (split at spaces and `=`) must parse to it.
private func checkSource(_ source: IPAddress, in text: String) {
    let words = text.split(whereSeparator: { $0 == " " || $0 == "=" || $0 == "\r" || $0 == "\r\n" })
    guard words.contains(where: { IPAddress(String($0)) == source }) else {
        fatalError("event source \(source) is not a word of the line: \(text)")
    }
}
