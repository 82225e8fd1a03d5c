import Capabilities
import Policy

extension AuthLogParser {
    /// Classifies the message at `start` by its fixed opening words, then reads the source from the right.
    static func message(_ line: ByteLine, from start: Int, time: Timestamp, pid: Int32?) -> Result {
        func event(_ kind: SSHDEvent.Kind, _ endpoint: (IPAddress, UInt16)?) -> Result {
            guard let (source, port) = endpoint else { return .skipped(.malformed) }
            return .event(SSHDEvent(kind: kind, time: time, source: source, port: port, pid: pid))
        }
        guard start < line.count else { return .skipped(.irrelevant) }
        let end = line.count
        switch line[start] {
        case UInt8(ascii: "F"):
            if line.matches("Failed password for ", at: start)
                || line.matches("Failed keyboard-interactive/pam for ", at: start)
            {
                return event(.failedPassword, fromPort(line, start, strip(line, end, " ssh2")))
            }
        case UInt8(ascii: "I"):
            if line.matches("Invalid user ", at: start) { return event(.invalidUser, invalidUser(line, start, end)) }
        case UInt8(ascii: "p"):
            if line.matches("pam_unix(sshd:auth): authentication failure;", at: start) {
                guard let rhost = line.firstIndex(of: " rhost=", from: start) else { return .skipped(.malformed) }
                let address = line.address(rhost + 7, line.endOfToken(from: rhost + 7))
                // A host name (UseDNS yes) names no address to count; PAM lines are evidence only anyway.
                return address.map { event(.pamFailure, ($0, 0)) } ?? .skipped(.irrelevant)
            }
        case UInt8(ascii: "e"), UInt8(ascii: "m"):
            let body = line.matches("error: ", at: start) ? start + 7 : start
            if line.matches("maximum authentication attempts exceeded for ", at: body) {
                return event(
                    .maximumAttempts, fromPort(line, body, strip(line, trimmed(line, end, " [preauth]"), " ssh2")))
            }
        case UInt8(ascii: "C"):
            if line.matches("Connection closed by ", at: start) || line.matches("Connection reset by ", at: start) {
                return event(.connectionEnd, tokenPort(line, start, trimmed(line, end, " [preauth]")))
            }
        case UInt8(ascii: "D"):
            if line.matches("Disconnected from ", at: start) {
                return event(.connectionEnd, tokenPort(line, start, trimmed(line, end, " [preauth]")))
            }
            if line.matches("Disconnecting ", at: start), let colon = reasonColon(line, start) {
                return event(.connectionEnd, tokenPort(line, start, colon))
            }
        case UInt8(ascii: "R"):
            if line.matches("Received disconnect from ", at: start) {
                return event(.connectionEnd, receivedDisconnect(line, start + 25))
            }
        case UInt8(ascii: "T"):
            if line.matches("Timeout before authentication for ", at: start) {
                return event(.connectionEnd, tokenPort(line, start, end))
            }
        case UInt8(ascii: "A"):
            // `Accepted key TYPE FP found at FILE:N` (VERBOSE) is no login: only `Accepted METHOD for …` is.
            if line.matches("Accepted ", at: start), line.matches(" for ", at: line.endOfToken(from: start + 9)) {
                guard let (endpoint, login) = accepted(line, start, end) else { return .skipped(.malformed) }
                return .event(
                    SSHDEvent(
                        kind: .accepted, time: time, source: endpoint.0, port: endpoint.1, pid: pid, login: login))
            }
        default:
            break
        }
        return .skipped(.irrelevant)
    }

    /// `Accepted METHOD for USER from IP port P ssh2[: TYPE FINGERPRINT]`. The key part is read only in exactly that
    /// shape (two words, the second `SHA256:` or `MD5:`); certificates add words (`ID …`, `CA …`) and then give
    /// no fingerprint rather than a wrong one.
    private static func accepted(_ line: ByteLine, _ start: Int, _ end: Int) -> ((IPAddress, UInt16), AcceptedLogin)? {
        guard let ssh2 = line.lastIndex(of: " ssh2", before: end, notBefore: start),
            let endpoint = fromPort(line, start, ssh2),
            let from = line.lastIndex(of: " from ", before: ssh2, notBefore: start)
        else { return nil }
        let methodStart = start + 9
        let methodEnd = line.endOfToken(from: methodStart)
        guard methodEnd > methodStart, line.matches(" for ", at: methodEnd), methodEnd + 5 <= from else { return nil }
        var keyType: String? = nil
        var fingerprint: String? = nil
        let keyStart = ssh2 + 5
        if keyStart + 2 < end, line.matches(": ", at: keyStart) {
            let typeEnd = line.endOfToken(from: keyStart + 2)
            let printStart = typeEnd + 1
            if typeEnd > keyStart + 2, printStart < end, line.endOfToken(from: printStart) == end,
                line.matches("SHA256:", at: printStart) || line.matches("MD5:", at: printStart)
            {
                keyType = line.text(keyStart + 2, typeEnd)
                fingerprint = line.text(printStart, end)
            }
        }
        let login = AcceptedLogin(
            user: line.text(methodEnd + 5, from), method: line.text(methodStart, methodEnd), keyType: keyType,
            fingerprint: fingerprint)
        return (endpoint, login)
    }

    /// `end` without a trailing `suffix`, or -1 when the suffix is missing (the message is then malformed).
    private static func strip(_ line: ByteLine, _ end: Int, _ suffix: StaticString) -> Int {
        guard end >= 0, line.matches(suffix, endingAt: end) else { return -1 }
        return end - suffix.utf8CodeUnitCount
    }

    /// `end` without a trailing `suffix` if there is one.
    private static func trimmed(_ line: ByteLine, _ end: Int, _ suffix: StaticString) -> Int {
        line.matches(suffix, endingAt: end) ? end - suffix.utf8CodeUnitCount : end
    }

    /// `… from IP port P` ending at `end`.
    private static func fromPort(_ line: ByteLine, _ start: Int, _ end: Int) -> (IPAddress, UInt16)? {
        guard end > start, let (portStart, port) = trailingPort(line, start, end),
            let from = line.lastIndex(of: " from ", before: portStart, notBefore: start),
            let address = line.address(from + 6, portStart)
        else { return nil }
        return (address, port)
    }

    /// `… IP port P` ending at `end`: the address is the token before ` port `.
    private static func tokenPort(_ line: ByteLine, _ start: Int, _ end: Int) -> (IPAddress, UInt16)? {
        guard end > start, let (portStart, port) = trailingPort(line, start, end),
            let space = line.lastIndex(of: " ", before: portStart, notBefore: start),
            let address = line.address(space + 1, portStart)
        else { return nil }
        return (address, port)
    }

    /// `Invalid user U from IP port P`, or `… from IP` (OpenSSH before 7.5: port 0).
    private static func invalidUser(_ line: ByteLine, _ start: Int, _ end: Int) -> (IPAddress, UInt16)? {
        if let endpoint = fromPort(line, start, end) { return endpoint }
        guard let from = line.lastIndex(of: " from ", before: end, notBefore: start),
            let address = line.address(from + 6, end)
        else { return nil }
        return (address, 0)
    }

    /// The ` port P` ending at `end`: where ` port ` starts and P.
    private static func trailingPort(_ line: ByteLine, _ start: Int, _ end: Int) -> (Int, UInt16)? {
        var digits = end
        while digits > start, line[digits - 1] >= UInt8(ascii: "0"), line[digits - 1] <= UInt8(ascii: "9") {
            digits -= 1
        }
        guard digits < end, line.matches(" port ", endingAt: digits),
            let port = line.number(digits, end, limit: 65_535)
        else { return nil }
        return (digits - 6, UInt16(port))
    }

    /// `Received disconnect from IP port P:11: reason`: read from the left, the reason is the client's text.
    private static func receivedDisconnect(_ line: ByteLine, _ start: Int) -> (IPAddress, UInt16)? {
        guard let portWord = line.firstIndex(of: " port ", from: start),
            let address = line.address(start, portWord)
        else { return nil }
        var index = portWord + 6
        while index < line.count && line[index] != UInt8(ascii: ":") { index += 1 }
        guard let port = line.number(portWord + 6, index, limit: 65_535) else { return nil }
        return (address, UInt16(port))
    }

    /// `Disconnecting [invalid|authenticating] user U IP port P: reason`: the colon after the last ` port P`.
    private static func reasonColon(_ line: ByteLine, _ start: Int) -> Int? {
        var search = line.count
        while let portWord = line.lastIndex(of: " port ", before: search, notBefore: start) {
            var index = portWord + 6
            while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
                index += 1
            }
            if index > portWord + 6, index < line.count, line[index] == UInt8(ascii: ":") { return index }
            search = portWord + 5
        }
        return nil
    }
}
