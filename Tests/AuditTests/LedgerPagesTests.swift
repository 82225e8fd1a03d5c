import Capabilities
import Testing

@testable import Audit

@Suite("Newest-first pages of a search: bounded per request, complete over all pages")
struct LedgerPagesTests {
    /// 30 entries on one day and 25 on the next, every third by agent `rare`.
    func twoDays() throws -> (LedgerFixture, [String]) {
        let fixture = LedgerFixture()
        let ledger = try fixture.open()
        defer { ledger.close() }
        var ids: [String] = []
        for number in 0..<55 {
            if number == 30 { fixture.clock.advance(by: .seconds(86_400)) }
            let agent = number % 3 == 0 ? "rare" : "common"
            let (entries, error) = ledger.append(contentsOf: [LedgerFixture.draft(number, agent: agent)])
            if let error { throw error }
            ids += entries.map(\.id)
        }
        return (fixture, ids)
    }

    /// Every page of a search, following `next`.
    func allPages(_ reader: LedgerReader, _ query: AuditQuery, limit: Int, budget: Int) throws -> [AuditPage] {
        var pages: [AuditPage] = []
        var before: LedgerPosition? = nil
        repeat {
            let page = try reader.page(matching: query, before: before, limit: limit, budget: budget)
            pages.append(page)
            before = page.next
        } while before != nil && pages.count < 100
        return pages
    }

    @Test("following the pages gives every entry once, newest first, across days")
    func pagesCoverEverything() throws {
        let (fixture, ids) = try twoDays()
        let pages = try allPages(LedgerReader(directory: fixture.directory), AuditQuery(), limit: 20, budget: 1000)
        #expect(pages.map(\.entries.count) == [20, 20, 15])
        #expect(pages.flatMap(\.entries).map(\.id) == ids.reversed())
        #expect(pages.last?.next == nil)
    }

    @Test("a filter with rare matches looks at no more than the budget per page, and still finds them all")
    func budgetBoundsEachPage() throws {
        let (fixture, ids) = try twoDays()
        let query = try AuditQuery(filters: [("agent", "rare")], now: fixture.clock.now())
        let pages = try allPages(LedgerReader(directory: fixture.directory), query, limit: 50, budget: 10)
        #expect(pages.allSatisfy { $0.examined <= 10 })
        #expect(pages.count > 5)
        let rare = ids.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)
        #expect(pages.flatMap(\.entries).map(\.id) == rare.reversed())
    }

    @Test("time bounds and the page's position together")
    func timeBounds() throws {
        let (fixture, ids) = try twoDays()
        let secondDay = Timestamp(rfc3339: "2026-11-30T00:00:00Z")!
        let query = try AuditQuery(filters: [("until", secondDay.rfc3339)], now: fixture.clock.now())
        let pages = try allPages(LedgerReader(directory: fixture.directory), query, limit: 7, budget: 1000)
        #expect(pages.flatMap(\.entries).map(\.id) == Array(ids.prefix(30)).reversed())
    }

    @Test("a position is YYYY-MM-DD.SEQ and nothing else")
    func positionText() {
        #expect(LedgerPosition("2026-11-29.17") == LedgerPosition(day: "2026-11-29", seq: 17))
        #expect(LedgerPosition(day: "2026-11-29", seq: 17).description == "2026-11-29.17")
        for bad in [
            "", "2026-11-29", "2026-11-29.0", "2026-11-29.-1", "../../etc.1", "2026/11/29.1", "2026-11-29.1.2",
            "2026-11-29.99999999999999999999", "２０２６-11-29.1", "2026-11-29.017", "2026-11-29.+5",
        ] {
            #expect(LedgerPosition(bad) == nil, "\(bad)")
        }
    }

    @Test("a verification counts every entry it reads")
    func verificationProgress() throws {
        let fixture = LedgerFixture()
        try fixture.fill(5000)
        let progress = VerificationProgress()
        let report = LedgerVerifier(directory: fixture.directory, verifier: fixture.signer.verifier, progress: progress)
            .verify()
        #expect(report.intact)
        #expect(progress.entriesChecked == 5000)
    }
}
