import Policy

/// What the forwarder decides about one query, without any I/O: answer it at once (malformed, refused, a limit),
/// or forward it; and what a server's response becomes (validated, its addresses learnt first).
struct DNSResolution: Sendable {
    let allowSets: AllowSets
    let counters: DNSCounters

    enum Decision {
        /// Reply with this at once (nil: no reply at all, for what is not even a DNS header).
        case reply([UInt8]?)
        /// Forward to the servers.
        case forward(DNSMessage)
    }

    func decide(_ query: [UInt8]) -> Decision {
        guard let parsed = try? DNSMessage.parse(query, questionOnly: true), !parsed.isResponse, parsed.opcode == 0
        else {
            counters.count(\.malformed)
            return .reply(query.count >= 12 ? DNSReply.error(to: query, questionEnd: nil, code: .formatError) : nil)
        }
        guard allowSets.isAllowed(parsed.question.name) else {
            counters.count(\.refused)
            return .reply(DNSReply.error(to: query, questionEnd: parsed.questionEnd, code: .refused))
        }
        return .forward(parsed)
    }

    /// The client's reply from a server's `response` to `query` (sent upstream with `upstreamID`), or nil when
    /// the response is not the answer to it (wrong id or question: try the next server).
    func complete(query: [UInt8], parsed: DNSMessage, response: [UInt8], upstreamID: UInt16) -> [UInt8]? {
        guard response.count >= 12, UInt16(response[0]) << 8 | UInt16(response[1]) == upstreamID,
            let message = try? DNSMessage.parse(response), message.isResponse, message.question == parsed.question
        else { return nil }
        if message.responseCode == 0 {
            let addresses = message.addresses()
            if !addresses.isEmpty {
                do {
                    counters.add(\.learnt, try allowSets.learn(name: parsed.question.name, addresses: addresses))
                } catch {
                    // Not in the allow set means the connection would fail: say so rather than answer.
                    counters.count(\.failed)
                    return DNSReply.error(to: query, questionEnd: parsed.questionEnd, code: .serverFailure)
                }
            }
        }
        counters.count(\.forwarded)
        var reply = response
        reply[0] = query[0]
        reply[1] = query[1]
        return reply
    }

    /// SERVFAIL for `query`: no server answered in time, or a limit was reached.
    static func failure(to query: [UInt8], parsed: DNSMessage) -> [UInt8] {
        DNSReply.error(to: query, questionEnd: parsed.questionEnd, code: .serverFailure)
    }
}
