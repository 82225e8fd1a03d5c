import Firewall
import Policy

/// The firewall's untrusted input: DNS messages the forwarder reads from agents and from the network (first byte
/// even), and rule peers as `firewall allow|deny` and the daemon take them (first byte odd). Properties: no crash
/// or hang; a parsed message's question ends inside it and every address it yields is owned by the question's
/// name or its CNAME chain; an accepted peer prints to text that parses back to the same peer, and a name
/// pattern only ever matches names below (or equal to) its suffix.
public func fuzzFirewallRule(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if data[0] & 1 == 0 {
        checkMessage(bytes)
    } else {
        checkPeer(String(decoding: bytes, as: UTF8.self))
    }
    return 0
}

private func checkMessage(_ bytes: [UInt8]) {
    if let question = try? DNSMessage.parse(bytes, questionOnly: true) {
        precondition(question.questionEnd > 12 && question.questionEnd <= bytes.count, "question outside the message")
    }
    guard let message = try? DNSMessage.parse(bytes) else { return }
    var chain: Set<String> = [message.question.name]
    for _ in 0..<17 {
        for record in message.answers {
            if case .cname(let target) = record.data, chain.contains(record.name) { chain.insert(target) }
        }
    }
    let owners = Set(
        message.answers.compactMap { record -> String? in
            if case .address = record.data, chain.contains(record.name) { return record.name }
            return nil
        })
    let addresses = message.addresses()
    precondition(addresses.count <= message.answers.count, "more addresses than records")
    precondition(addresses.isEmpty || !owners.isEmpty, "an address owned by a name off the chain")
    precondition(addresses.allSatisfy { $0.ttl <= 86_400 }, "a TTL above the cap")
}

private func checkPeer(_ text: String) {
    guard let peer = try? FirewallPeer(parsing: text) else { return }
    guard let again = try? FirewallPeer(parsing: peer.description), again == peer else {
        preconditionFailure("'\(text)' printed as '\(peer)', which does not parse back to it")
    }
    if case .name(let pattern) = peer {
        precondition(pattern.matches(pattern.suffix) != pattern.isWildcard, "a wildcard matched its own suffix")
        precondition(!pattern.matches("x" + pattern.suffix), "a pattern matched a name that only ends like it")
    }
}
