/// Error replies the forwarder makes itself: the query's id, opcode and RD bit, QR and RA set, the response
/// code, and the question echoed when it was readable.
enum DNSReply {
    enum Code: UInt8 {
        case formatError = 1
        case serverFailure = 2
        case refused = 5
    }

    static func error(to query: [UInt8], questionEnd: Int?, code: Code) -> [UInt8] {
        var reply = Array(query.prefix(12))
        reply[2] = 0x80 | (query[2] & 0x79)
        reply[3] = 0x80 | code.rawValue
        for index in 4..<12 { reply[index] = 0 }
        if let questionEnd {
            reply[5] = 1
            reply += query[12..<questionEnd]
        }
        return reply
    }
}
