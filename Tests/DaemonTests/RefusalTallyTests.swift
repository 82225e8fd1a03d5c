import Capabilities
import Testing

@testable import Daemon

@Suite("Refusal tally: the first refusal in full, the rest of the window as one count")
struct RefusalTallyTests {
    let start = Timestamp.seconds(1_760_000_000)
    let revoked = RefusalTally.Key(kind: .authentication, source: "ipv4:127.0.0.1", reason: "revoked")

    @Test("3,000 refusals of one source and reason: one recorded in full, one summary with the count")
    func flood() {
        let tally = RefusalTally(window: .seconds(60))
        var recorded = 0
        for index in 0..<3000 where tally.count(revoked, at: start.adding(.seconds(Int64(index % 50)))) {
            recorded += 1
        }
        #expect(recorded == 1)
        #expect(tally.close(at: start.adding(.seconds(59))).isEmpty, "the window is still open")
        let summaries = tally.close(at: start.adding(.seconds(60)))
        #expect(
            summaries == [
                RefusalTally.Summary(key: revoked, refusals: 3000, from: start, until: start.adding(.seconds(60)))
            ])
        #expect(tally.openKeys == 0)
        #expect(tally.count(revoked, at: start.adding(.seconds(61))), "a new window starts with a full entry again")
    }

    @Test("a window with only its first refusal needs no summary; keys are separate")
    func separateKeys() {
        let tally = RefusalTally(window: .seconds(10))
        let other = RefusalTally.Key(kind: .authentication, source: "ipv4:127.0.0.2", reason: "revoked")
        let noIdentity = RefusalTally.Key(kind: .authentication, source: "ipv4:127.0.0.1", reason: "no identity")
        #expect(tally.count(revoked, at: start))
        #expect(tally.count(other, at: start))
        #expect(tally.count(noIdentity, at: start))
        #expect(!tally.count(other, at: start))
        let summaries = tally.close(at: start.adding(.seconds(10)))
        #expect(summaries.map(\.key) == [other] && summaries.first?.refusals == 2)
    }

    @Test("past the key cap, new sources are counted under one overflow key: the tally's memory is bounded")
    func overflow() {
        let tally = RefusalTally(window: .seconds(60), maximumKeys: 3)
        var firsts = 0
        for index in 0..<1000 {
            let key = RefusalTally.Key(kind: .connection, source: "ipv4:198.51.100.\(index % 250)", reason: "cap")
            if tally.count(key, at: start) { firsts += 1 }
        }
        #expect(firsts == 4, "three keys and the overflow key")
        #expect(tally.openKeys == 4)
        #expect(tally.count(revoked, at: start), "another kind has its own cap")
        let overflow = tally.close(at: start, everything: true).first { $0.key.source == RefusalTally.overflowSource }
        #expect(overflow?.refusals == 1000 - 3 * 4, "all but the first three sources' four refusals each")
    }

    @Test("at shutdown every open window is closed, so no count is lost")
    func shutdown() {
        let tally = RefusalTally(window: .seconds(60))
        _ = tally.count(revoked, at: start)
        _ = tally.count(revoked, at: start)
        #expect(tally.close(at: start.adding(.seconds(1))).isEmpty)
        #expect(tally.close(at: start.adding(.seconds(1)), everything: true).first?.refusals == 2)
    }
}
