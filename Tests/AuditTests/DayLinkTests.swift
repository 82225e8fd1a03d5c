import Capabilities
import Foundation
import GRDB
import Testing

@testable import Audit

/// Attacks on whole days by someone who can write the files but does not hold the key: each removes, cuts or
/// rewrites a past day and repairs everything unsigned around it (the checkpoint log's lines, the next day's link
/// metadata, its chain). Signed checkpoints carry the link between days, so none of them may verify.
@Suite("Links between days")
struct DayLinkTests {
    static let days = ["2026-11-29", "2026-11-30", "2026-12-01"]

    /// Three days of 4, 10 and 3 entries; the middle day has a checkpoint at 5 and its final one at 10.
    static func threeDays() throws -> LedgerFixture {
        let fixture = LedgerFixture(start: Timestamp(rfc3339: "2026-11-29T10:00:00Z")!)
        try fixture.fill(4)
        fixture.clock.advance(by: .seconds(86_400))
        try fixture.fill(5)
        try fixture.fill(5)
        fixture.clock.advance(by: .seconds(86_400))
        try fixture.fill(3)
        return fixture
    }

    static func expectTampered(_ fixture: LedgerFixture, _ expected: String) {
        let report = fixture.verify()
        #expect(!report.intact)
        #expect(report.failure?.description.contains(expected) == true, "\(String(describing: report.failure))")
    }

    @Test("an intact ledger: every day follows the one before, and its checkpoints sign that")
    func intact() throws {
        let fixture = try Self.threeDays()
        let report = fixture.verify()
        #expect(report.intact, "\(String(describing: report.failure))")
        #expect(report.days.map(\.entries) == [4, 10, 3])
        #expect(report.days.map(\.follows) == [nil, Self.days[0], Self.days[1]])
        #expect(report.days.map(\.linkSigned) == [true, true, true])
    }

    @Test("a middle day removed with its checkpoints, the next day relinked and its chain recomputed")
    func middleDayRemoved() throws {
        let fixture = try Self.threeDays()
        try FileManager.default.removeItem(atPath: fixture.path(of: Self.days[1]))
        try fixture.removeCheckpoints(of: Self.days[1])
        try fixture.relink(fixture.path(of: Self.days[2]), to: try fixture.finalNote(of: Self.days[0]))
        Self.expectTampered(fixture, "relinked")
    }

    @Test("a middle day cut back to an earlier checkpoint, its later checkpoints removed, the next day relinked")
    func middleDayCut() throws {
        let fixture = try Self.threeDays()
        try fixture.tamper("DELETE FROM entries WHERE seq > 5", in: fixture.path(of: Self.days[1]))
        try fixture.removeCheckpoints(of: Self.days[1], keeping: 1)
        try fixture.relink(fixture.path(of: Self.days[2]), to: try fixture.finalNote(of: Self.days[1]))
        Self.expectTampered(fixture, "relinked")
    }

    @Test("a middle day cut with all its checkpoints removed, the next day's link left alone")
    func middleDayCutLinkKept() throws {
        let fixture = try Self.threeDays()
        try fixture.tamper("DELETE FROM entries WHERE seq > 5", in: fixture.path(of: Self.days[1]))
        try fixture.removeCheckpoints(of: Self.days[1])
        Self.expectTampered(fixture, "a closed day without a final checkpoint")
    }

    @Test("the oldest day removed with its checkpoints, the next day made the first")
    func oldestDayRemoved() throws {
        let fixture = try Self.threeDays()
        try FileManager.default.removeItem(atPath: fixture.path(of: Self.days[0]))
        try fixture.removeCheckpoints(of: Self.days[0])
        try fixture.relink(fixture.path(of: Self.days[1]), to: nil)
        Self.expectTampered(fixture, "relinked")
    }

    @Test("the oldest day rewritten with its chain recomputed, its checkpoints removed, the next day unlinked")
    func oldestDayRewritten() throws {
        let fixture = try Self.threeDays()
        let oldest = fixture.path(of: Self.days[0])
        try fixture.tamper("UPDATE entries SET leaf = replace(leaf, 'nginx', 'nginy') WHERE seq = 2", in: oldest)
        try fixture.tamper("UPDATE entries SET target = '/etc/nginy/nginy.conf' WHERE seq = 2", in: oldest)
        try fixture.recomputeChain(from: 2, in: oldest)
        try fixture.removeCheckpoints(of: Self.days[0])
        try fixture.relink(fixture.path(of: Self.days[1]), to: nil)
        Self.expectTampered(fixture, "without a final checkpoint")
    }

    @Test("a day file deleted alone is a gap")
    func gap() throws {
        let fixture = try Self.threeDays()
        try FileManager.default.removeItem(atPath: fixture.path(of: Self.days[1]))
        Self.expectTampered(fixture, "is missing")
    }

    @Test("with an off-machine copy of the checkpoints, the local log must still hold every one of them")
    func externalCheckpoints() throws {
        let fixture = try Self.threeDays()
        let copy = fixture.directory + "-checkpoints.log"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: fixture.checkpointLog, toPath: copy)
        let external = LedgerVerifier(
            directory: fixture.directory, checkpointLog: copy, verifier: fixture.signer.verifier)
        #expect(external.verify().intact)
        // The newest day's checkpoints removed and its entries rewritten: only the copy still knows.
        try fixture.removeCheckpoints(of: Self.days[2])
        try fixture.tamper("UPDATE entries SET leaf = replace(leaf, 'nginx', 'nginy') WHERE seq = 1")
        try fixture.tamper("UPDATE entries SET target = '/etc/nginy/nginy.conf' WHERE seq = 1")
        try fixture.recomputeChain(from: 1)
        #expect(fixture.verify().intact, "locally, an uncovered newest day is all that is left")
        let report = external.verify()
        #expect(!report.intact)
        #expect(
            report.failure?.reason.contains("checkpoints were removed") == true, "\(String(describing: report.failure))"
        )
    }

    @Test("a ledger written before checkpoints signed the link still verifies, and says its links are unsigned")
    func legacyCheckpoints() throws {
        let fixture = try Self.threeDays()
        var lines: [String] = []
        for note in try fixture.notes() {
            let checkpoint = try #require(fixture.signer.verifier.verify(note: note))
            let legacy = try fixture.signer.sign(
                Checkpoint(origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root))
            lines.append(JSONValue.object([("note", .string(legacy.note))]).canonicalText + "\n")
        }
        try lines.joined().write(toFile: fixture.checkpointLog, atomically: true, encoding: .utf8)
        // The day files' links name the old notes; relink each to its predecessor's rewritten final note.
        try fixture.relink(fixture.path(of: Self.days[1]), to: try fixture.finalNote(of: Self.days[0]))
        try fixture.relink(fixture.path(of: Self.days[2]), to: try fixture.finalNote(of: Self.days[1]))
        let report = fixture.verify()
        #expect(report.intact, "\(String(describing: report.failure))")
        #expect(report.days.map(\.linkSigned) == [false, false, false])
        // Appending today signs the link again from the next checkpoint on.
        try fixture.fill(1)
        let after = fixture.verify()
        #expect(after.intact, "\(String(describing: after.failure))")
        #expect(after.days.map(\.linkSigned) == [false, false, true])
    }
}
