import Capabilities
import Policy

/// Reads sshd's authentication messages from syslog lines (`TIMESTAMP HOST sshd[PID]: MESSAGE`, also
/// `sshd-session` of OpenSSH 9.8+) or from sshd's own `-E` log file (the bare message, timed when read).
///
/// Byte-level, no regular expressions, no `String` per line. The source address and port are read from the right
/// end of each message, so a user name an attacker chose (`Invalid user x from 10.0.0.1 port 1 …`) cannot put
/// another address where the real one is.
public struct AuthLogParser: Sendable {
    public enum Result: Hashable, Sendable {
        case event(SSHDEvent)
        case skipped(AuthLogSkip)
    }

    private var timestamps: LogTimestampParser

    /// `classicYear`: the year of classic `Jun  1 00:00:01` timestamps, which carry none.
    public init(classicYear: Int) {
        timestamps = LogTimestampParser(classicYear: Int64(classicYear))
    }

    /// Parses one line (without or with its `\n`/`\r\n`). A line without a timestamp is read as a bare sshd message
    /// logged at `receivedAt`; with `receivedAt` nil such a line is malformed.
    public mutating func parse(_ bytes: UnsafeBufferPointer<UInt8>, receivedAt: Timestamp? = nil) -> Result {
        var length = bytes.count
        while length > 0 && (bytes[length - 1] == UInt8(ascii: "\n") || bytes[length - 1] == UInt8(ascii: "\r")) {
            length -= 1
        }
        let line = ByteLine(bytes: UnsafeBufferPointer(rebasing: bytes[0..<length]))
        guard let (time, messageStart, pid) = header(line, receivedAt: receivedAt) else {
            return .skipped(receivedAt == nil ? .malformed : .otherProgram)
        }
        if messageStart < 0 { return .skipped(.otherProgram) }
        return Self.message(line, from: messageStart, time: time, pid: pid)
    }

    /// A bare sshd message (as the journal holds it), logged at `time` by `pid`.
    public static func message(_ bytes: UnsafeBufferPointer<UInt8>, pid: Int32?, time: Timestamp) -> Result {
        var length = bytes.count
        while length > 0 && (bytes[length - 1] == UInt8(ascii: "\n") || bytes[length - 1] == UInt8(ascii: "\r")) {
            length -= 1
        }
        return message(ByteLine(bytes: UnsafeBufferPointer(rebasing: bytes[0..<length])), from: 0, time: time, pid: pid)
    }

    /// The time, the start of the message and the pid; `messageStart` is -1 for another program's line.
    private mutating func header(_ line: ByteLine, receivedAt: Timestamp?) -> (Timestamp, Int, Int32?)? {
        guard let (micros, end) = timestamps.parse(line) else {
            guard let receivedAt else { return nil }
            return (receivedAt, 0, nil)
        }
        let time = Timestamp(millisecondsSinceEpoch: micros >= 0 ? micros / 1000 : (micros - 999) / 1000)
        guard end < line.count, line[end] == UInt8(ascii: " ") else { return nil }
        let programStart = line.endOfToken(from: end + 1) + 1
        guard programStart < line.count else { return nil }
        let programEnd = line.endOfToken(from: programStart)
        guard programEnd > programStart, line[programEnd - 1] == UInt8(ascii: ":") else { return nil }
        var nameEnd = programEnd - 1
        var pid: Int32? = nil
        if line[nameEnd - 1] == UInt8(ascii: "]"), let open = line.lastIndex(of: "[", before: nameEnd - 1) {
            guard open >= programStart, let value = line.number(open + 1, nameEnd - 1, limit: Int64(Int32.max))
            else { return nil }
            pid = Int32(value)
            nameEnd = open
        }
        let isSSHD =
            (nameEnd - programStart == 4 && line.matches("sshd", at: programStart))
            || (nameEnd - programStart == 12 && line.matches("sshd-session", at: programStart))
        return (time, isSSHD ? programEnd + 1 : -1, pid)
    }
}
