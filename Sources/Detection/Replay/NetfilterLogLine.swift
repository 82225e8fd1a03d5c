import Capabilities
import Policy

/// A netfilter `log` line as the kernel (kern.log) or ulogd's LOGEMU writes it —
/// `… IN=eth0 OUT= … SRC=192.0.2.9 DST=192.0.2.1 … PROTO=TCP SPT=40000 DPT=23 … SYN URGP=0` — read as a connection
/// attempt when it is a SYN without ACK (TCP) or UDP. The replay's source of scan events.
enum NetfilterLogLine {
    static func parse(_ line: ByteLine, timestamps: inout LogTimestampParser) -> ConnectionAttempt? {
        guard let src = line.firstIndex(of: " SRC=", from: 0), let (micros, _) = timestamps.parse(line),
            let source = field(line, " SRC=", from: src).flatMap({ line.address($0.0, $0.1) }),
            let destination = field(line, " DST=", from: src).flatMap({ line.address($0.0, $0.1) }),
            let proto = field(line, " PROTO=", from: src),
            let sourcePort = number(line, " SPT=", from: src), let destinationPort = number(line, " DPT=", from: src)
        else { return nil }
        let transport: ConnectionAttempt.Transport
        if line.matches("TCP", at: proto.0) && proto.1 - proto.0 == 3 {
            guard line.firstIndex(of: " SYN ", from: src) != nil, line.firstIndex(of: " ACK ", from: src) == nil
            else { return nil }
            transport = .tcp
        } else if line.matches("UDP", at: proto.0) && proto.1 - proto.0 == 3 {
            transport = .udp
        } else {
            return nil
        }
        return ConnectionAttempt(
            transport: transport, source: source, sourcePort: sourcePort, destination: destination,
            destinationPort: destinationPort, time: Timestamp(millisecondsSinceEpoch: micros / 1000))
    }

    private static func field(_ line: ByteLine, _ key: StaticString, from start: Int) -> (Int, Int)? {
        guard let index = line.firstIndex(of: key, from: start - 1) else { return nil }
        let valueStart = index + key.utf8CodeUnitCount
        return (valueStart, line.endOfToken(from: valueStart))
    }

    private static func number(_ line: ByteLine, _ key: StaticString, from start: Int) -> UInt16? {
        guard let (begin, end) = field(line, key, from: start), let value = line.number(begin, end, limit: 65_535)
        else { return nil }
        return UInt16(value)
    }
}
